/// Views: new shape/strides/offset over the same storage. None of these copies an element,
/// except `reshaped` when the strides make a view impossible (then it copies, like PyTorch).
/// Each records how to carry a gradient back: reshape it, permute it back, sum what `expanded`
/// repeated (the engine does that part), or place it into zeros where a slice came from.
extension Tensor {
  /// A view with a new layout on this tensor's storage.
  func view(shape: [Int], strides: [Int], offset: Int) -> Tensor {
    Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
  }

  /// The same elements seen with another shape, without copying (`view`). One size may be -1.
  /// Stops when the strides do not allow it — e.g. after a transpose — and suggests `reshaped`.
  public func view(_ shape: [Int]) -> Tensor {
    let newShape = Layout.inferShape(shape, count: count, input: self.shape, op: "view")
    guard let newStrides = Layout.viewStrides(shape: self.shape, strides: strides, newShape: newShape) else {
      fatalError("view: cannot view a tensor of shape \(self.shape) and strides \(strides) as shape \(newShape): the elements are not laid out compatibly (at least one axis spans non-adjacent memory). Use .reshaped(\(newShape)), which copies when it must, or .contiguous().view(...)")
    }
    return view(shape: newShape, strides: newStrides, offset: offset)
      .recorded("ViewBackward", inputs: [self]) { g in [g.reshaped(self.shape)] }
  }
  public func view(_ shape: Int...) -> Tensor { view(shape) }

  /// The same elements with another shape: a view when the strides allow, a copy otherwise
  /// (`reshape`). One size may be -1.
  public func reshaped(_ shape: [Int]) -> Tensor {
    let newShape = Layout.inferShape(shape, count: count, input: self.shape, op: "reshaped")
    if newShape == self.shape { return self }
    if Layout.viewStrides(shape: self.shape, strides: strides, newShape: newShape) != nil {
      return view(newShape)
    }
    return clone().view(newShape)
  }
  public func reshaped(_ shape: Int...) -> Tensor { reshaped(shape) }

  /// All elements in one axis (`flatten`); `startAxis...endAxis` only, when given.
  public func flattened(startAxis: Int = 0, endAxis: Int = -1) -> Tensor {
    if rank == 0 { return reshaped([1]) }
    let s = Layout.normalizeAxis(startAxis, rank: rank, op: "flattened")
    let e = Layout.normalizeAxis(endAxis, rank: rank, op: "flattened")
    precondition(s <= e, "flattened: startAxis \(startAxis) comes after endAxis \(endAxis)")
    return reshaped(Array(shape[..<s]) + [shape[s...e].reduce(1, *)] + Array(shape[(e + 1)...]))
  }

  /// Swaps two axes by swapping their sizes and strides (`transpose`).
  public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
    if rank < 2 && axis0 == -2 && axis1 == -1 { return self }
    let a = Layout.normalizeAxis(axis0, rank: rank, op: "transposed")
    let b = Layout.normalizeAxis(axis1, rank: rank, op: "transposed")
    var order = Array(0..<rank)
    order.swapAt(a, b)
    return permuted(order)
  }

  /// Transpose of a matrix (`t()`): rank 0 and 1 are returned as they are.
  public func t() -> Tensor {
    precondition(rank <= 2, "t: expects a tensor of rank ≤ 2, got shape \(shape); use transposed(_:_:)")
    return transposed()
  }

  /// Reorders the axes: axis i of the result is axis `order[i]` of this tensor (`permute`).
  public func permuted(_ order: [Int]) -> Tensor {
    let axes = order.map { Layout.normalizeAxis($0, rank: rank, op: "permuted") }
    guard axes.count == rank, Set(axes).count == rank else {
      fatalError("permuted: \(order) is not a permutation of the \(rank) axes of a tensor of shape \(shape)")
    }
    var inverse = axes
    for (i, a) in axes.enumerated() { inverse[a] = i }
    return view(shape: axes.map { shape[$0] }, strides: axes.map { strides[$0] }, offset: offset)
      .recorded("PermuteBackward", inputs: [self]) { g in [g.permuted(inverse)] }
  }
  public func permuted(_ order: Int...) -> Tensor { permuted(order) }

  /// Removes every axis of size 1 (`squeeze()`).
  public func squeezed() -> Tensor {
    let keep = shape.indices.filter { shape[$0] != 1 }
    return view(shape: keep.map { shape[$0] }, strides: keep.map { strides[$0] }, offset: offset)
      .recorded("SqueezeBackward", inputs: [self]) { g in [g.reshaped(self.shape)] }
  }

  /// Removes `axis` if its size is 1; otherwise returns the tensor unchanged (`squeeze(dim)`).
  public func squeezed(axis: Int) -> Tensor {
    let a = Layout.normalizeAxis(axis, rank: rank, op: "squeezed")
    if rank == 0 || shape[a] != 1 { return self }
    var s = shape, st = strides
    s.remove(at: a); st.remove(at: a)
    return view(shape: s, strides: st, offset: offset)
      .recorded("SqueezeBackward", inputs: [self]) { g in [g.reshaped(self.shape)] }
  }

  /// Inserts an axis of size 1 at `axis` (`unsqueeze`); `axis` may be -1 for "at the end".
  public func unsqueezed(axis: Int) -> Tensor {
    let a = Layout.normalizeAxis(axis, rank: rank + 1, op: "unsqueezed")
    var s = shape, st = strides
    s.insert(1, at: a)
    st.insert(a < rank ? shape[a] * strides[a] : 1, at: a)
    return view(shape: s, strides: st, offset: offset)
      .recorded("UnsqueezeBackward", inputs: [self]) { g in [g.reshaped(self.shape)] }
  }

  /// Repeats size-1 axes (and adds leading ones) to reach `shape` without copying: the repeated
  /// axes get stride 0 (`expand`). -1 keeps a size.
  public func expanded(_ shape: [Int]) -> Tensor {
    guard shape.count >= rank else {
      fatalError("expanded: cannot expand shape \(self.shape) to fewer axes \(shape)")
    }
    let lead = shape.count - rank
    var target = shape
    for i in 0..<rank where shape[lead + i] == -1 { target[lead + i] = self.shape[i] }
    for i in 0..<rank where self.shape[i] != 1 && self.shape[i] != target[lead + i] {
      fatalError("expanded: cannot expand shape \(self.shape) to \(shape): axis \(i) has size \(self.shape[i]), which is not 1")
    }
    let newStrides = Layout.broadcastStrides(shape: self.shape, strides: strides, to: target)
    // Backward passes g through whole: the engine sums it over the repeated axes.
    return view(shape: target, strides: newStrides, offset: offset)
      .recorded("ExpandBackward", inputs: [self]) { g in [g] }
  }
  public func expanded(_ shape: Int...) -> Tensor { expanded(shape) }

  /// Expanded to the shape of `other` (`expand_as`).
  public func expanded(as other: Tensor) -> Tensor { expanded(other.shape) }

  /// Broadcasts tensors to their common shape, as views (`torch.broadcast_tensors`).
  public static func broadcast(_ tensors: [Tensor]) -> [Tensor] {
    let shape = tensors.dropFirst().reduce(tensors.first?.shape ?? []) {
      Layout.broadcastShapes($0, $1.shape, op: "broadcast")
    }
    return tensors.map { $0.expanded(shape) }
  }

  /// `length` elements of `axis` starting at `start`, as a view (`narrow`).
  public func narrow(axis: Int, start: Int, length: Int) -> Tensor {
    let a = Layout.normalizeAxis(axis, rank: rank, op: "narrow")
    let s = start < 0 ? start + shape[a] : start
    guard s >= 0, length >= 0, s + length <= shape[a] else {
      fatalError("narrow: start \(start) and length \(length) do not fit axis \(axis) of size \(shape[a]) (shape \(shape))")
    }
    var newShape = shape
    newShape[a] = length
    let where_ = Array(repeating: TensorIndex.all, count: a) + [.slice(s, s + length)]
    return view(shape: newShape, strides: strides, offset: offset + s * strides[a])
      .recorded("NarrowBackward", inputs: [self]) { g in [g.embedded(into: self.shape, at: where_)] }
  }

  /// The slice at `index` along `axis`, with that axis removed (`select`, or `x[i]` for axis 0).
  public func select(axis: Int, index: Int) -> Tensor {
    let a = Layout.normalizeAxis(axis, rank: rank, op: "select")
    let i = index < 0 ? index + shape[a] : index
    guard i >= 0 && i < shape[a] else {
      fatalError("select: index \(index) is out of bounds for axis \(axis) with size \(shape[a]) (shape \(shape))")
    }
    var s = shape, st = strides
    s.remove(at: a); st.remove(at: a)
    let where_ = Array(repeating: TensorIndex.all, count: a) + [.index(i)]
    return view(shape: s, strides: st, offset: offset + i * strides[a])
      .recorded("SelectBackward", inputs: [self]) { g in [g.embedded(into: self.shape, at: where_)] }
  }

  /// Views of consecutive pieces of `size` along `axis`; the last may be smaller (`split`).
  public func split(_ size: Int, axis: Int = 0) -> [Tensor] {
    precondition(size > 0, "split: size must be positive, got \(size)")
    let a = Layout.normalizeAxis(axis, rank: rank, op: "split")
    return Swift.stride(from: 0, to: Swift.max(shape[a], 1), by: size).map {
      narrow(axis: a, start: $0, length: Swift.min(size, shape[a] - $0))
    }
  }

  /// Views of pieces with the given sizes along `axis`, which must add up to its size (`split`).
  public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
    let a = Layout.normalizeAxis(axis, rank: rank, op: "split")
    guard sizes.reduce(0, +) == shape[a], sizes.allSatisfy({ $0 >= 0 }) else {
      fatalError("split: sizes \(sizes) do not add up to \(shape[a]), the size of axis \(axis) of shape \(shape)")
    }
    var start = 0
    return sizes.map { n in
      defer { start += n }
      return narrow(axis: a, start: start, length: n)
    }
  }

  /// `chunks` views of (nearly) equal size along `axis` (`chunk`): each ⌈size/chunks⌉ but the last.
  public func chunk(_ chunks: Int, axis: Int = 0) -> [Tensor] {
    precondition(chunks > 0, "chunk: number of chunks must be positive, got \(chunks)")
    let a = Layout.normalizeAxis(axis, rank: rank, op: "chunk")
    return split(Swift.max(1, (shape[a] + chunks - 1) / chunks), axis: a)
  }

  /// Every slice along `axis`, with that axis removed (`unbind`).
  public func unbind(axis: Int = 0) -> [Tensor] {
    let a = Layout.normalizeAxis(axis, rank: rank, op: "unbind")
    return (0..<shape[a]).map { select(axis: a, index: $0) }
  }
}
