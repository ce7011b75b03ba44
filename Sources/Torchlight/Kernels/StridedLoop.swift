/// Walks every element of one or more operands that share a shape, each read through its own
/// strides, as runs along the innermost axis.
///
/// This is the general path behind elementwise ops and copies: a transposed, sliced or broadcast
/// operand just has different strides. Axes are first simplified: size-1 axes are dropped and
/// neighbouring axes that are contiguous for every operand are merged, so a contiguous tensor
/// becomes one long run and the body's inner loop does nearly all the work.
struct StridedLoop {
  /// The simplified shape.
  private(set) var shape: [Int]
  /// `strides[k]` are operand k's strides over the simplified shape.
  private(set) var strides: [[Int]]

  init(shape: [Int], strides operandStrides: [[Int]]) {
    var dims: [Int] = []
    var str: [[Int]] = Array(repeating: [], count: operandStrides.count)
    for axis in shape.indices where shape[axis] != 1 {
      dims.append(shape[axis])
      for k in operandStrides.indices { str[k].append(operandStrides[k][axis]) }
    }
    // Merge axis i into axis i+1 when, for every operand, stepping once along i equals
    // stepping size(i+1) times along i+1.
    var i = dims.count - 2
    while i >= 0 {
      let mergeable = str.allSatisfy { $0[i] == $0[i + 1] * dims[i + 1] }
      if mergeable {
        dims[i + 1] *= dims[i]
        dims.remove(at: i)
        for k in str.indices { str[k].remove(at: i) }
      }
      i -= 1
    }
    self.shape = dims
    self.strides = str
  }

  /// Calls `body(offsets, count, innerStrides)` once per innermost run: `offsets[k]` is where
  /// operand k's run starts (relative to its base) and `innerStrides[k]` its step within the run.
  @inline(__always)
  func forEachRun(_ body: (_ offsets: [Int], _ count: Int, _ innerStrides: [Int]) -> Void) {
    let operands = strides.count
    if shape.contains(0) { return }
    if shape.isEmpty {
      body([Int](repeating: 0, count: operands), 1, [Int](repeating: 0, count: operands))
      return
    }
    let inner = shape.count - 1
    let n = shape[inner]
    let innerStrides = strides.map { $0[inner] }
    var offsets = [Int](repeating: 0, count: operands)
    var index = [Int](repeating: 0, count: inner)
    while true {
      body(offsets, n, innerStrides)
      // Odometer increment over the outer axes.
      var axis = inner - 1
      while axis >= 0 {
        index[axis] += 1
        for k in 0..<operands { offsets[k] += strides[k][axis] }
        if index[axis] < shape[axis] { break }
        for k in 0..<operands { offsets[k] -= strides[k][axis] * shape[axis] }
        index[axis] = 0
        axis -= 1
      }
      if axis < 0 { return }
    }
  }
}
