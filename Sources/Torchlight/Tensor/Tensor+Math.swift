/// Elementwise functions. Integer inputs are converted to float32 first, as PyTorch does.
extension Tensor {
  /// eˣ; its derivative is itself, so backward reuses the output y.
  public func exp() -> Tensor {
    let y = floatUnary(Exp.self)
    return y.recorded("ExpBackward", inputs: [self], saving: [y]) { g in [g * y.savedOutput { self.exp() }] }
  }
  /// Natural logarithm ln x (−inf at 0, NaN below); d/dx = 1/x.
  public func log() -> Tensor {
    floatUnary(Log.self).recorded("LogBackward", inputs: [self], saving: [self]) { g in [g / self] }
  }
  /// √x; d/dx = 1/(2√x).
  public func sqrt() -> Tensor {
    let y = floatUnary(Sqrt.self)
    return y.recorded("SqrtBackward", inputs: [self], saving: [y]) { g in [g / (2 * y.savedOutput { self.sqrt() })] }
  }
  /// sin x; d/dx = cos x.
  public func sin() -> Tensor {
    floatUnary(Sin.self).recorded("SinBackward", inputs: [self], saving: [self]) { g in [g * self.cos()] }
  }
  /// cos x; d/dx = −sin x.
  public func cos() -> Tensor {
    floatUnary(Cos.self).recorded("CosBackward", inputs: [self], saving: [self]) { g in [-g * self.sin()] }
  }
  /// tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ); d/dx = 1 − tanh²x.
  public func tanh() -> Tensor {
    let y = floatUnary(Tanh.self)
    return y.recorded("TanhBackward", inputs: [self], saving: [y]) { g in
      let y = y.savedOutput { self.tanh() }
      return [g * (1 - y * y)]
    }
  }
  /// σ(x) = 1/(1 + e⁻ˣ), the logistic function; σ' = σ(1 − σ).
  public func sigmoid() -> Tensor {
    let y = floatUnary(Sigmoid.self)
    return y.recorded("SigmoidBackward", inputs: [self], saving: [y]) { g in
      [Tensor.sigmoidGradient(g, y.savedOutput { self.sigmoid() })]
    }
  }

  /// g·y·(1 − y), the sigmoid's backward given its output y, in one pass over memory instead of
  /// three. Written with tensor ops in its own backward, so second derivatives still work:
  /// ∂/∂g = y(1 − y), ∂/∂y = g(1 − 2y).
  static func sigmoidGradient(_ g: Tensor, _ y: Tensor) -> Tensor {
    guard g.dtype == y.dtype && g.shape == y.shape && (g.dtype == .float32 || g.dtype == .float64) else {
      return g * y * (1 - y)
    }
    let out = g.dtype == .float32
      ? Elementwise.zip(g, Float.self, y, Float.self, to: Float.self, op: "sigmoidGradient") { $0 * ($1 - $1 * $1) }
      : Elementwise.zip(g, Double.self, y, Double.self, to: Double.self, op: "sigmoidGradient") { $0 * ($1 - $1 * $1) }
    return out.recorded("SigmoidBackwardBackward", inputs: [g, y], saving: [g, y]) { gg in
      [g.requiresGrad ? sigmoidGradient(gg, y) : nil, y.requiresGrad ? gg * g * (1 - 2 * y) : nil]
    }
  }

  /// The sign of each element: −1, 0 or 1 (NaN stays NaN).
  public func sign() -> Tensor {
    switch dtype {
    case .float32: return Elementwise.map(self, Float.self, to: Float.self) { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) }
    case .float64: return Elementwise.map(self, Double.self, to: Double.self) { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) }
    case .float16, .bfloat16: return inFloat32 { $0.sign() }
    case .int64: return Elementwise.map(self, Int64.self, to: Int64.self) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    case .bool: return to(.int64)
    }
  }

  /// |x|; d/dx = sign x (0 at 0, as in PyTorch).
  public func abs() -> Tensor {
    let y: Tensor
    switch dtype {
    case .float32: y = Elementwise.map(self, Float.self, to: Float.self) { Swift.abs($0) }
    case .float64: y = Elementwise.map(self, Double.self, to: Double.self) { Swift.abs($0) }
    case .float16, .bfloat16: y = inFloat32 { $0.abs() }
    case .int64: y = Elementwise.map(self, Int64.self, to: Int64.self) { $0 < 0 ? 0 &- $0 : $0 }
    case .bool: y = clone()
    }
    return y.recorded("AbsBackward", inputs: [self], saving: [self]) { g in [g * self.sign()] }
  }

  /// max(x, 0): the rectified linear unit. NaN stays NaN.
  /// d/dx = 1 where x > 0, else 0.
  public func relu() -> Tensor {
    let y: Tensor
    switch dtype {
    case .float32: y = Elementwise.map(self, Float.self, to: Float.self) { $0 < 0 ? 0 : $0 }
    case .float64: y = Elementwise.map(self, Double.self, to: Double.self) { $0 < 0 ? 0 : $0 }
    case .float16, .bfloat16: y = inFloat32 { $0.relu() }
    default: return clamp(min: 0)
    }
    return y.recorded("ReluBackward", inputs: [self], saving: [y]) { g in [Tensor.reluGradient(g, y)] }
  }

  /// g where y > 0, else 0: ReLU's backward in one pass over memory (PyTorch's
  /// `threshold_backward`), instead of a comparison, a cast and a product. It is linear in g, so
  /// its own backward applies the same mask again; y only chooses, and gets no gradient.
  static func reluGradient(_ g: Tensor, _ y: Tensor) -> Tensor {
    guard g.dtype == y.dtype && g.shape == y.shape && (g.dtype == .float32 || g.dtype == .float64) else {
      return g * (y .> 0).to(g.dtype)
    }
    let out = g.dtype == .float32
      ? Elementwise.zip(g, Float.self, y, Float.self, to: Float.self, op: "reluGradient") { $1 > 0 ? $0 : 0 }
      : Elementwise.zip(g, Double.self, y, Double.self, to: Double.self, op: "reluGradient") { $1 > 0 ? $0 : 0 }
    return out.recorded("ReluGradientBackward", inputs: [g], saving: [y]) { gg in [reluGradient(gg, y)] }
  }

  /// Leaky ReLU, x for x > 0 and a·x otherwise (`F.leaky_relu`), in one pass. Backward:
  /// g where x > 0, a·g elsewhere (`leakyReluGradient`).
  public func leakyRelu(negativeSlope a: Double = 0.01) -> Tensor {
    let y: Tensor
    switch dtype {
    case .float32:
      let slope = Float(a)
      y = Elementwise.map(self, Float.self, to: Float.self) { $0 > 0 ? $0 : $0 * slope }
    case .float64: y = Elementwise.map(self, Double.self, to: Double.self) { $0 > 0 ? $0 : $0 * a }
    case .float16, .bfloat16: y = inFloat32 { $0.leakyRelu(negativeSlope: a) }
    default: return Tensor.where(self .> 0, self, self * a)
    }
    return y.recorded("LeakyReluBackward", inputs: [self], saving: [self]) { g in [Tensor.leakyReluGradient(g, self, a)] }
  }

  /// g where x > 0, a·g elsewhere: leaky ReLU's backward in one pass. Linear in g, so its own
  /// backward scales by the same factors; x only chooses, and gets no gradient (the second
  /// derivative of leaky ReLU is 0 wherever it exists).
  static func leakyReluGradient(_ g: Tensor, _ x: Tensor, _ a: Double) -> Tensor {
    guard g.dtype == x.dtype && g.shape == x.shape && (g.dtype == .float32 || g.dtype == .float64) else {
      return Tensor.where(x .> 0, g, g * a)
    }
    let out: Tensor
    if g.dtype == .float32 {
      let slope = Float(a)
      out = Elementwise.zip(g, Float.self, x, Float.self, to: Float.self, op: "leakyReluGradient") { $1 > 0 ? $0 : $0 * slope }
    } else {
      out = Elementwise.zip(g, Double.self, x, Double.self, to: Double.self, op: "leakyReluGradient") { $1 > 0 ? $0 : $0 * a }
    }
    return out.recorded("LeakyReluGradientBackward", inputs: [g], saving: [x]) { gg in [leakyReluGradient(gg, x, a)] }
  }

  /// x limited to [min, max] (either bound may be omitted). NaN stays NaN. The gradient passes
  /// where x lies inside the bounds (bounds included, as in PyTorch) and is 0 outside.
  public func clamp(min lower: Double? = nil, max upper: Double? = nil) -> Tensor {
    clampedValues(min: lower, max: upper).recorded("ClampBackward", inputs: [self], saving: [self]) { g in
      var inside = Tensor.ones(like: self, dtype: .bool)
      if let lower { inside = Tensor.where(self .>= lower, inside, Tensor.zeros(like: inside)) }
      if let upper { inside = Tensor.where(self .<= upper, inside, Tensor.zeros(like: inside)) }
      return [g * inside.to(g.dtype)]
    }
  }

  func clampedValues(min lower: Double?, max upper: Double?) -> Tensor {
    func run<T: NumericElement>(_: T.Type) -> Tensor {
      let lo = lower.map { T(converting: $0) }, hi = upper.map { T(converting: $0) }
      switch (lo, hi) {
      case let (lo?, hi?): return Elementwise.map(self, T.self, to: T.self) { $0 < lo ? lo : ($0 > hi ? hi : $0) }
      case let (lo?, nil): return Elementwise.map(self, T.self, to: T.self) { $0 < lo ? lo : $0 }
      case let (nil, hi?): return Elementwise.map(self, T.self, to: T.self) { $0 > hi ? hi : $0 }
      case (nil, nil): return clone()
      }
    }
    switch dtype {
    case .float32: return run(Float.self)
    case .float64: return run(Double.self)
    case .float16, .bfloat16: return inFloat32 { $0.clampedValues(min: lower, max: upper) }
    case .int64: return run(Int64.self)
    case .bool: fatalError("clamp: not defined for a bool tensor (shape \(shape))")
    }
  }

  /// The larger of two tensors, elementwise and broadcast (`torch.maximum`). The gradient goes
  /// to the larger input; on a tie it is split in half between both, as in PyTorch.
  public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
    numericBinary(a, b, Maximum.self, op: "maximum").recorded("MaximumBackward", inputs: [a, b], saving: [a, b]) { g in
      selectionGradients(g, a, b, aWins: a .> b)
    }
  }
  /// The smaller of two tensors, elementwise and broadcast (`torch.minimum`).
  public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
    numericBinary(a, b, Minimum.self, op: "minimum").recorded("MinimumBackward", inputs: [a, b], saving: [a, b]) { g in
      selectionGradients(g, a, b, aWins: a .< b)
    }
  }

  /// Gradients of an elementwise choice between a and b: all of g to the winner, half each on ties.
  static func selectionGradients(_ g: Tensor, _ a: Tensor, _ b: Tensor, aWins: Tensor) -> [Tensor?] {
    let tie = (a .== b).to(g.dtype), wa = aWins.to(g.dtype)
    let shareA = wa + tie * 0.5
    return [g * shareA, g * (1 - shareA)]
  }
}
