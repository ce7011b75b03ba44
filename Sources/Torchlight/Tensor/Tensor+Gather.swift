/// Indexing by tensors of int64 indices: pick rows (`indexSelect`), pick one element per position
/// (`gather`), and the reverse, adding values back into positions (`scatterAdd`).
extension Tensor {
  func requireIndices(_ index: Tensor, op: String) {
    guard index.dtype == .int64 else {
      fatalError("\(op): indices must be an int64 tensor, got \(index.dtype) with shape \(index.shape); convert with .long()")
    }
  }

  /// Slices of `axis` at the positions in the 1-D `index` (`index_select`):
  /// `out[..., i, ...] = self[..., index[i], ...]`.
  public func indexSelect(axis: Int, index: Tensor) -> Tensor {
    requireIndices(index, op: "indexSelect")
    guard index.rank <= 1 else { fatalError("indexSelect: index must be 0-d or 1-d, got shape \(index.shape)") }
    let a = Layout.normalizeAxis(axis, rank: rank, op: "indexSelect")
    let positions = index.toArray(Int64.self)
    var shape = self.shape
    shape[a] = positions.count
    let fast = a == 0 && isContiguous
    let out = fast ? Tensor(uninitialized: shape, dtype: dtype) : Tensor(zeros: shape, dtype: dtype)
    withNoGrad {
      if fast {
        // Rows of a contiguous tensor are contiguous blocks: copy each with one memcpy.
        copyRows(positions, into: out)
        return
      }
      for (i, p) in positions.enumerated() {
        guard p >= -Int64(self.shape[a]) && p < Int64(self.shape[a]) else {
          fatalError("indexSelect: index \(p) is out of bounds for axis \(axis) with size \(self.shape[a])")
        }
        out.select(axis: a, index: i).copy(from: select(axis: a, index: Int(p)))
      }
    }
    // Backward adds each row of g back at the row it came from (repeated rows add up).
    return out.recorded("IndexSelectBackward", inputs: [self]) { g in
      var along = [Int](repeating: 1, count: g.rank)
      along[a] = positions.count
      let spread = index.reshaped(along).expanded(g.shape)
      return [Tensor.zeros(like: self, dtype: g.dtype).scatterAdd(axis: a, index: spread, source: g)]
    }
  }

  /// `out[i] = self[positions[i]]` for a contiguous tensor, block by block.
  func copyRows(_ positions: [Int64], into out: Tensor) {
    let rows = Int64(shape[0]), rowBytes = (rank > 1 ? Layout.count(Array(shape[1...])) : 1) * dtype.itemSize
    let src = UnsafeRawPointer(storage.bytes) + offset * dtype.itemSize
    let dst = UnsafeMutableRawPointer(out.storage.bytes) + out.offset * dtype.itemSize
    for (i, p) in positions.enumerated() {
      guard p >= -rows && p < rows else {
        fatalError("indexSelect: index \(p) is out of bounds for axis 0 with size \(rows)")
      }
      let row = Int(p < 0 ? p + rows : p)
      (dst + i * rowBytes).copyMemory(from: src + row * rowBytes, byteCount: rowBytes)
    }
  }

  /// Walks every position of `index` with the offset of the matching element of `self` (with
  /// `axis` replaced by the index value) and of `other`, which has `index`'s shape.
  func forEachGathered(axis a: Int, index: Tensor, other: Tensor, op: String, _ body: (_ selfOffset: Int, _ otherOffset: Int) -> Void) {
    guard index.rank == rank else {
      fatalError("\(op): index of shape \(index.shape) must have the same rank as the tensor of shape \(shape)")
    }
    for d in 0..<rank where d != a && index.shape[d] > shape[d] {
      fatalError("\(op): index shape \(index.shape) exceeds tensor shape \(shape) at axis \(d)")
    }
    let pi = index.base(Int64.self), size = Int64(shape[a])
    var selfStrides = strides
    selfStrides[a] = 0
    StridedLoop(shape: index.shape, strides: [index.strides, selfStrides, other.strides]).forEachRun { off, n, st in
      for j in 0..<n {
        var p = pi[off[0] + j * st[0]]
        if p < 0 { p += size }
        guard p >= 0 && p < size else {
          fatalError("\(op): index \(pi[off[0] + j * st[0]]) is out of bounds for axis \(a) with size \(size)")
        }
        body(offset + off[1] + j * st[1] + Int(p) * strides[a], off[2] + j * st[2])
      }
    }
  }

  /// One element per position of `index` (`gather`): for axis 0 of a matrix,
  /// `out[i][j] = self[index[i][j]][j]`. The output has `index`'s shape.
  public func gather(axis: Int, index: Tensor) -> Tensor {
    requireIndices(index, op: "gather")
    let a = Layout.normalizeAxis(axis, rank: rank, op: "gather")
    let out = Tensor(zeros: index.shape, dtype: dtype)
    func run<T: TensorElement>(_: T.Type) {
      let src = storage.pointer(as: T.self), dst = out.base(T.self)
      forEachGathered(axis: a, index: index, other: out, op: "gather") { dst[$1] = src[$0] }
    }
    switch dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .float16: run(Float16.self)
    case .bfloat16: run(BFloat16.self)
    case .int64: run(Int64.self)
    case .bool: run(Bool.self)
    }
    return out.recorded("GatherBackward", inputs: [self]) { g in
      [Tensor.zeros(like: self, dtype: g.dtype).scatterAdd(axis: a, index: index, source: g)]
    }
  }

  /// A copy of this tensor with `source` added at the positions `index` names along `axis`
  /// (`scatter_add`): for axis 0, `out[index[i][j]][j] += source[i][j]`. Repeated indices add up.
  public func scatterAdd(axis: Int, index: Tensor, source: Tensor) -> Tensor {
    requireIndices(index, op: "scatterAdd")
    guard source.dtype == dtype else {
      fatalError("scatterAdd: source dtype \(source.dtype) differs from the tensor's \(dtype)")
    }
    for d in 0..<index.rank where d >= source.rank || index.shape[d] > source.shape[d] {
      fatalError("scatterAdd: index shape \(index.shape) exceeds source shape \(source.shape)")
    }
    let a = Layout.normalizeAxis(axis, rank: rank, op: "scatterAdd")
    let out = dtype.isReducedPrecision ? widened().contiguous() : clone()
    func run<T: NumericElement>(_: T.Type, _ source: Tensor) {
      let dst = out.storage.pointer(as: T.self), src = source.base(T.self)
      out.forEachGathered(axis: a, index: index, other: source, op: "scatterAdd") { dst[$0] += src[$1] }
    }
    switch dtype {
    case .float32: run(Float.self, source)
    case .float64: run(Double.self, source)
    case .float16, .bfloat16: run(Float.self, source.widened())  // sums in float32, rounded below
    case .int64: run(Int64.self, source)
    case .bool: fatalError("scatterAdd: not defined for bool tensors")
    }
    // ∂/∂self = g; ∂/∂source picks g back at the positions each source element went to.
    return out.narrowed(to: dtype).recorded("ScatterAddBackward", inputs: [self, source]) { g in
      var gs = g.gather(axis: a, index: index)
      if gs.shape != source.shape {  // source elements beyond the index's extent got no use
        gs = gs.embedded(into: source.shape, at: gs.shape.map { .slice(0, $0) })
      }
      return [g, gs]
    }
  }
}
