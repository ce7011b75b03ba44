/// Reductions over all elements or over chosen axes, with `keepDims` as PyTorch's `keepdim`.
extension Tensor {
  /// The normalised, sorted, unique axes to reduce (all when `axes` is nil).
  func reductionAxes(_ axes: [Int]?, op: String) -> [Int] {
    guard let axes else { return Array(0..<rank) }
    let normalized = axes.map { Layout.normalizeAxis($0, rank: rank, op: op) }
    guard Set(normalized).count == normalized.count else {
      fatalError("\(op): axis repeated in \(axes)")
    }
    return normalized.sorted()
  }

  /// The output shape of a reduction: reduced axes become 1 (keepDims) or disappear.
  func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
    if rank == 0 { return [] }
    return keepDims ? shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
      : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
  }

  /// Folds with a numeric function into a fresh output filled with `initial`.
  func fold<F: NumericBinaryFunction>(_ axes: [Int], keepDims: Bool, initial: Double, _: F.Type, op: String) -> Tensor {
    if dtype.isReducedPrecision { return inFloat32 { $0.fold(axes, keepDims: keepDims, initial: initial, F.self, op: op) } }
    var x = self
    if dtype == .bool { x = to(.int64) }
    let kept = reducedShape(axes, keepDims: true)
    let out = Tensor.full(kept, initial, dtype: x.dtype)
    func run<T: NumericElement>(_: T.Type) {
      Reduce.accumulate(x, T.self, into: out, T.self, { F.apply($0, $1) }) { p, n, s, start in
        var acc = start
        for i in 0..<n { acc = F.apply(acc, p[i * s]) }
        return acc
      }
    }
    switch x.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    default: run(Int64.self)
    }
    return keepDims ? out : out.view(reducedShape(axes, keepDims: false))
  }

  /// Σ over `axes` (all when nil). Bool and int64 sum to int64. Every summed element gets the
  /// whole gradient: backward spreads g back over the reduced axes.
  public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    if let c = Autocast.inputs(of: .sum, [self]) { return c[0]!.sum(axes: axes, keepDims: keepDims) }
    let axes = reductionAxes(axes, op: "sum")
    return summed(axes, keepDims: keepDims).recorded("SumBackward", inputs: [self]) { g in
      [g.reshaped(self.reducedShape(axes, keepDims: true)).expanded(self.shape)]
    }
  }

  /// Half-precision tensors are summed in float32 and the sum rounded once: 10,000 copies of
  /// bfloat16(0.1) sum to 1000.98 in float32, stored as 1000, while adding them up in bfloat16
  /// would stall at 32, where the spacing of bfloat16 numbers (0.25) exceeds twice 0.1.
  func summed(_ axes: [Int], keepDims: Bool) -> Tensor {
    if dtype.isReducedPrecision { return inFloat32 { $0.summed(axes, keepDims: keepDims) } }
    let x = dtype == .bool ? to(.int64) : self
    let out = Tensor(zeros: x.reducedShape(axes, keepDims: true), dtype: x.dtype)
    // Everything of a dense tensor: one run over its memory, whatever the axis order.
    let whole = axes.count == rank && Layout.isDense(shape: x.shape, strides: x.strides)
    switch x.dtype {
    case .float32 where whole: out.base(Float.self)[0] = Reduce.blockedSum(x.base(Float.self), x.count, 1, 0)
    case .float64 where whole: out.base(Double.self)[0] = Reduce.blockedSum(x.base(Double.self), x.count, 1, 0)
    case .float32: Reduce.accumulate(x, Float.self, into: out, Float.self, { $0 + $1 }, fold: Reduce.blockedSum)
    case .float64: Reduce.accumulate(x, Double.self, into: out, Double.self, { $0 + $1 }, fold: Reduce.blockedSum)
    default: Reduce.accumulate(x, Int64.self, into: out, Int64.self, { $0 &+ $1 }, fold: Reduce.sumRun)
    }
    return keepDims ? out : out.view(reducedShape(axes, keepDims: false))
  }
  public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

  /// The arithmetic mean over `axes`; integer inputs give float32. Each element gets g/N.
  public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    let axes = reductionAxes(axes, op: "mean")
    let n = axes.reduce(1) { $0 * shape[$1] }
    let x = dtype.isFloatingPoint ? self : to(.float32)
    // A half tensor's mean is divided in float32 too, so it is rounded once.
    let y = withNoGrad { x.dtype.isReducedPrecision ? x.inFloat32 { $0.summed(axes, keepDims: keepDims) / Double(n) }
                                                    : x.summed(axes, keepDims: keepDims) / Double(n) }
    return y.recorded("MeanBackward", inputs: [x]) { g in
      [g.reshaped(x.reducedShape(axes, keepDims: true)).expanded(x.shape) / Double(n)]
    }
  }
  public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

  /// Π over `axes`.
  /// ∂/∂xᵢ = Π/xᵢ, the product of the others (computed so, it needs every xᵢ ≠ 0).
  public func prod(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    if let c = Autocast.inputs(of: .prod, [self]) { return c[0]!.prod(axes: axes, keepDims: keepDims) }
    let axes = reductionAxes(axes, op: "prod")
    let y = fold(axes, keepDims: keepDims, initial: 1, Mul.self, op: "prod")
    return y.recorded("ProdBackward", inputs: [self], saving: [self, y]) { g in
      let shape = self.reducedShape(axes, keepDims: true)
      let y = y.savedOutput { self.prod(axes: axes, keepDims: keepDims) }
      return [(g.reshaped(shape) * y.reshaped(shape)).expanded(self.shape) / self]
    }
  }
  public func prod(axis: Int, keepDims: Bool = false) -> Tensor { prod(axes: [axis], keepDims: keepDims) }

  /// The largest value over `axes` (`amax`); NaN propagates. The gradient is shared equally by
  /// all elements equal to the maximum, as in PyTorch.
  public func amax(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    requireNonEmpty("amax")
    let axes = reductionAxes(axes, op: "amax")
    let y = fold(axes, keepDims: keepDims, initial: -.infinity, Maximum.self, op: "amax")
    return y.recorded("AmaxBackward", inputs: [self], saving: [self, y]) { g in [self.extremeGradient(g, y, axes)] }
  }
  /// The smallest value over `axes` (`amin`); NaN propagates; ties share the gradient.
  public func amin(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    requireNonEmpty("amin")
    let axes = reductionAxes(axes, op: "amin")
    let y = fold(axes, keepDims: keepDims, initial: .infinity, Minimum.self, op: "amin")
    return y.recorded("AminBackward", inputs: [self], saving: [self, y]) { g in [self.extremeGradient(g, y, axes)] }
  }

  /// g spread evenly over the positions that hold the extreme value y.
  func extremeGradient(_ g: Tensor, _ y: Tensor, _ axes: [Int]) -> Tensor {
    let shape = reducedShape(axes, keepDims: true)
    let hits = (self .== y.reshaped(shape)).to(g.dtype)
    return hits * (g.reshaped(shape) / hits.sum(axes: axes, keepDims: true))
  }

  /// The largest element, as a 0-d tensor (`max()`).
  public func max() -> Tensor { amax() }
  /// The smallest element, as a 0-d tensor (`min()`).
  public func min() -> Tensor { amin() }

  /// Largest values along `axis` and the index of each (the first on ties), as `torch.max(x, dim)`.
  public func max(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: Tensor) {
    best(axis: axis, keepDims: keepDims, op: "max", largest: true)
  }
  /// Smallest values along `axis` and their indices, as `torch.min(x, dim)`.
  public func min(axis: Int, keepDims: Bool = false) -> (values: Tensor, indices: Tensor) {
    best(axis: axis, keepDims: keepDims, op: "min", largest: false)
  }
  /// Index of the largest element along `axis` (of the flattened tensor when nil), int64.
  public func argmax(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
    guard let axis else { return flattened().max(axis: 0).indices }
    return max(axis: axis, keepDims: keepDims).indices
  }
  /// Index of the smallest element along `axis` (of the flattened tensor when nil), int64.
  public func argmin(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
    guard let axis else { return flattened().min(axis: 0).indices }
    return min(axis: axis, keepDims: keepDims).indices
  }

  func best(axis: Int, keepDims: Bool, op: String, largest: Bool) -> (values: Tensor, indices: Tensor) {
    let x = rank == 0 ? view([1]) : (dtype == .bool ? to(.int64) : self)
    let wide = x.widened()  // half formats: compared as float32, the values rounded back (exactly)
    let a = Layout.normalizeAxis(axis, rank: x.rank, op: op)
    guard x.shape[a] > 0 else {
      fatalError("\(op): cannot reduce over axis \(axis) of size 0 (shape \(shape))")
    }
    var result: (values: Tensor, indices: Tensor)
    switch wide.dtype {
    case .float32: result = largest ? Reduce.argBest(wide, Float.self, axis: a, >) : Reduce.argBest(wide, Float.self, axis: a, <)
    case .float64: result = largest ? Reduce.argBest(wide, Double.self, axis: a, >) : Reduce.argBest(wide, Double.self, axis: a, <)
    default: result = largest ? Reduce.argBest(wide, Int64.self, axis: a, >) : Reduce.argBest(wide, Int64.self, axis: a, <)
    }
    result.values = result.values.narrowed(to: x.dtype)
    let keptIndices = result.indices.unsqueezed(axis: a)
    // The gradient of the values goes to the chosen position only.
    let values = result.values.recorded(largest ? "MaxBackward" : "MinBackward", inputs: [x]) { g in
      [Tensor.zeros(like: x, dtype: g.dtype).scatterAdd(axis: a, index: keptIndices, source: g.unsqueezed(axis: a))]
    }
    if rank == 0 { return (values.reshaped([]), result.indices.view([])) }
    return keepDims ? (values.unsqueezed(axis: a), keptIndices) : (values, result.indices)
  }

  /// Variance over `axes`: Σ(x − mean)² / (N − correction). `correction: 1` is the unbiased
  /// estimate (PyTorch's default), `0` the population variance.
  public func variance(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
    if dtype.isReducedPrecision {  // in float32, rounded once; the casts carry the gradient
      return to(.float32).variance(axes: axes, correction: correction, keepDims: keepDims).to(dtype)
    }
    let axes = reductionAxes(axes, op: "variance")
    let n = axes.reduce(1) { $0 * shape[$1] }
    let x = dtype.isFloatingPoint ? self : to(.float32)
    let centered = x - x.mean(axes: axes, keepDims: true)
    return (centered * centered).sum(axes: axes, keepDims: keepDims) / Double(Swift.max(n - correction, 0))
  }
  public func variance(axis: Int, correction: Int = 1, keepDims: Bool = false) -> Tensor {
    variance(axes: [axis], correction: correction, keepDims: keepDims)
  }
  /// Standard deviation: √variance.
  public func std(axes: [Int]? = nil, correction: Int = 1, keepDims: Bool = false) -> Tensor {
    variance(axes: axes, correction: correction, keepDims: keepDims).sqrt()
  }
  public func std(axis: Int, correction: Int = 1, keepDims: Bool = false) -> Tensor {
    std(axes: [axis], correction: correction, keepDims: keepDims)
  }

  /// log Σ eˣ over `axes`, computed as m + log Σ e^(x−m) with m the maximum, so large inputs do
  /// not overflow (`logsumexp`).
  public func logsumexp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
    if let c = Autocast.inputs(of: .logsumexp, [self]) { return c[0]!.logsumexp(axes: axes, keepDims: keepDims) }
    if dtype.isReducedPrecision { return to(.float32).logsumexp(axes: axes, keepDims: keepDims).to(dtype) }
    let axes = reductionAxes(axes, op: "logsumexp")
    let x = dtype.isFloatingPoint ? self : to(.float32)
    // The shift m is a constant for differentiation: the gradient is softmax(x) whatever m is.
    let m = withNoGrad {
      let m = x.amax(axes: axes, keepDims: true)
      // An all −inf slice has max −inf; shifting by 0 there keeps the result −inf, not NaN.
      return Tensor.where(m.abs() .== Double.infinity, Tensor.zeros(like: m), m)
    }
    let s = (x - m).exp().sum(axes: axes, keepDims: true).log() + m
    return keepDims ? s : s.view(reducedShape(axes, keepDims: false))
  }
  public func logsumexp(axis: Int, keepDims: Bool = false) -> Tensor { logsumexp(axes: [axis], keepDims: keepDims) }

  func requireNonEmpty(_ op: String) {
    if count == 0 { fatalError("\(op): cannot reduce an empty tensor (shape \(shape))") }
  }
}
