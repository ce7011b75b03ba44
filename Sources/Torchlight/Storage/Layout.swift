/// Index arithmetic on shapes and strides: the part of a tensor that is not data.
///
/// Element `(i₀, i₁, …)` of a tensor lives at `offset + i₀·strides[0] + i₁·strides[1] + …` in its
/// storage. Views change only shape, strides and offset; that is why they cost nothing.
public enum Layout {
  /// Row-major ("C-contiguous") strides for `shape`: the last axis moves fastest.
  /// `[2, 3, 4]` → `[12, 4, 1]`. An empty tensor may have other sizes whose product passes
  /// `Int.max` (`[0, 2³², 2³²]`); its strides never address memory, so they stop at `Int.max`.
  public static func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in shape.indices.reversed() {
      strides[axis] = step
      let (next, overflow) = step.multipliedReportingOverflow(by: max(shape[axis], 1))
      if overflow {
        precondition(shape.contains(0), "shape \(shape) has more than \(Int.max) elements")
        step = Int.max
      } else {
        step = next
      }
    }
    return strides
  }

  /// Number of elements of a shape (1 for a scalar's `[]`), or nil when it passes `Int.max`.
  /// An axis of size 0 makes it 0 however large the others are.
  public static func checkedCount(_ shape: [Int]) -> Int? {
    if shape.contains(0) { return 0 }
    var count = 1
    for size in shape {
      let (next, overflow) = count.multipliedReportingOverflow(by: size)
      if overflow { return nil }
      count = next
    }
    return count
  }

  /// Number of elements of a shape (1 for a scalar's `[]`).
  public static func count(_ shape: [Int]) -> Int {
    guard let count = checkedCount(shape) else { preconditionFailure("shape \(shape) has more than \(Int.max) elements") }
    return count
  }

  /// True when the strides are the row-major ones, so the elements are one dense run.
  /// Axes of size 1 may have any stride, as in PyTorch. The strides compared with are exactly
  /// `contiguousStrides(shape)`'s, so an empty tensor whose other sizes multiply past `Int.max`
  /// (`[2³², 2³², 0]`) is checked without overflowing.
  public static func isContiguous(shape: [Int], strides: [Int]) -> Bool {
    var expected = 1
    for axis in shape.indices.reversed() where shape[axis] != 1 {
      if strides[axis] != expected { return false }
      expected = nextStride(expected, shape[axis])
    }
    return true
  }

  /// The stride of the axis before one of `size` elements with stride `stride`, in row-major
  /// order: `stride · size` (an empty axis counts as 1), or `Int.max` past it, as
  /// `contiguousStrides` does: only an empty tensor gets there, and its strides address nothing.
  static func nextStride(_ stride: Int, _ size: Int) -> Int {
    let (next, overflow) = stride.multipliedReportingOverflow(by: max(size, 1))
    return overflow ? Int.max : next
  }

  /// True when the elements fill one gap-free block of `count` slots in some axis order: the
  /// layout of a contiguous tensor or of any permutation (a transpose) of one. Elementwise ops on
  /// such tensors can run over the block directly, as PyTorch does.
  public static func isDense(shape: [Int], strides: [Int]) -> Bool {
    let axes = shape.indices.filter { shape[$0] != 1 }.sorted { strides[$0] < strides[$1] }
    var expected = 1
    for axis in axes {
      if strides[axis] != expected { return false }
      expected = nextStride(expected, shape[axis])
    }
    return true
  }

  /// The shape two operands broadcast to (NumPy rules): align shapes on the right; each pair of
  /// sizes must be equal or one of them 1. Stops naming `op` and both shapes when they cannot.
  public static func broadcastShapes(_ a: [Int], _ b: [Int], op: String) -> [Int] {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
      let da = i < n - a.count ? 1 : a[i - (n - a.count)]
      let db = i < n - b.count ? 1 : b[i - (n - b.count)]
      guard da == db || da == 1 || db == 1 else {
        fatalError("\(op): shapes \(a) and \(b) cannot be broadcast together (axis \(i - n) has sizes \(da) and \(db); sizes must match or one must be 1)")
      }
      out[i] = da == 1 ? db : da
    }
    return out
  }

  /// Strides that read a tensor of `shape`/`strides` as if it had shape `target`: broadcast axes
  /// get stride 0, so one element is read many times without copying.
  static func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
    let lead = target.count - shape.count
    var out = [Int](repeating: 0, count: target.count)
    for i in shape.indices where shape[i] != 1 || target[lead + i] == 1 {
      out[lead + i] = strides[i]
    }
    return out
  }

  /// Turns a possibly negative axis into 0..<rank, or stops naming the op.
  public static func normalizeAxis(_ axis: Int, rank: Int, op: String) -> Int {
    let r = max(rank, 1)
    guard axis >= -r && axis < r else {
      fatalError("\(op): axis \(axis) is out of range for a tensor of rank \(rank) (expected \(-r)...\(r - 1))")
    }
    return axis < 0 ? axis + r : axis
  }

  /// Resolves one `-1` in a requested shape from the element count. `input` is the shape being
  /// reshaped, named in the error with the request.
  static func inferShape(_ shape: [Int], count: Int, input: [Int], op: String) -> [Int] {
    let unknown = shape.indices.filter { shape[$0] == -1 }
    guard unknown.count <= 1, shape.allSatisfy({ $0 >= -1 }) else {
      fatalError("\(op): invalid shape \(shape) for input \(input) (at most one -1, other sizes non-negative)")
    }
    var out = shape
    let known = Layout.checkedCount(shape.filter { $0 != -1 })
    if let u = unknown.first {
      guard let known, known != 0, count % known == 0 else {
        fatalError("\(op): shape \(shape) is invalid for input \(input) of \(count) elements")
      }
      out[u] = count / known
    }
    guard Layout.checkedCount(out) == count else {
      fatalError("\(op): shape \(shape) is invalid for input \(input) of \(count) elements")
    }
    return out
  }

  /// Strides that let a tensor of `shape`/`strides` be viewed with `newShape` without copying, or
  /// nil when no such strides exist (PyTorch's rule: each group of old axes that merges or splits
  /// into new axes must itself be contiguous).
  public static func viewStrides(shape: [Int], strides: [Int], newShape: [Int]) -> [Int]? {
    let count = Layout.count(shape)
    if count == 0 || shape.isEmpty { return contiguousStrides(newShape) }
    var newStrides = [Int](repeating: 0, count: newShape.count)
    var viewAxis = newShape.count - 1
    // Walk old axes from the back, grouping runs that are contiguous with each other.
    var chunkBase = strides.last ?? 1
    var tensorElems = 1
    var viewElems = 1
    var oldAxis = shape.count - 1
    while oldAxis >= 0 {
      tensorElems *= shape[oldAxis]
      let groupEnds = oldAxis == 0
        || (shape[oldAxis - 1] != 1 && strides[oldAxis - 1] != tensorElems * chunkBase)
      if groupEnds {
        while viewAxis >= 0 && (viewElems < tensorElems || newShape[viewAxis] == 1) {
          newStrides[viewAxis] = viewElems * chunkBase
          viewElems *= newShape[viewAxis]
          viewAxis -= 1
        }
        if viewElems != tensorElems { return nil }
        if oldAxis > 0 {
          chunkBase = strides[oldAxis - 1]
          tensorElems = 1
          viewElems = 1
        }
      }
      oldAxis -= 1
    }
    return viewAxis == -1 ? newStrides : nil
  }
}
