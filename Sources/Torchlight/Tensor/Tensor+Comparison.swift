/// Comparisons give bool masks (`x .> 0`), which combine with `logicalNot/And/Or`; `where` picks
/// between two tensors with a mask.
/// The dotted operators are Swift's own spelling for elementwise comparison (as on SIMD vectors).
extension Tensor {
  public static func .== (a: Tensor, b: Tensor) -> Tensor { compare(a, b, Equal.self, op: "eq") }
  public static func .!= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, NotEqual.self, op: "ne") }
  public static func .< (a: Tensor, b: Tensor) -> Tensor { compare(a, b, Less.self, op: "lt") }
  public static func .<= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, LessEqual.self, op: "le") }
  public static func .> (a: Tensor, b: Tensor) -> Tensor { compare(a, b, Greater.self, op: "gt") }
  public static func .>= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, GreaterEqual.self, op: "ge") }

  public static func .== (a: Tensor, b: Double) -> Tensor { a .== a.scalarLike(b) }
  public static func .!= (a: Tensor, b: Double) -> Tensor { a .!= a.scalarLike(b) }
  public static func .< (a: Tensor, b: Double) -> Tensor { a .< a.scalarLike(b) }
  public static func .<= (a: Tensor, b: Double) -> Tensor { a .<= a.scalarLike(b) }
  public static func .> (a: Tensor, b: Double) -> Tensor { a .> a.scalarLike(b) }
  public static func .>= (a: Tensor, b: Double) -> Tensor { a .>= a.scalarLike(b) }

  /// Elementwise logical not of a bool mask.
  public func logicalNot() -> Tensor { Elementwise.map(to(.bool), Bool.self, to: Bool.self) { !$0 } }
  /// Elementwise `a && b` of two masks, broadcast together (`logical_and`); non-bool inputs count
  /// as true where they are non-zero.
  public func logicalAnd(_ other: Tensor) -> Tensor {
    Elementwise.zip(to(.bool), Bool.self, other.to(.bool), Bool.self, to: Bool.self, op: "logicalAnd") { $0 && $1 }
  }
  /// Elementwise `a || b` of two masks, broadcast together (`logical_or`): combining two masks
  /// of excluded positions gives the positions either excludes.
  public func logicalOr(_ other: Tensor) -> Tensor {
    Elementwise.zip(to(.bool), Bool.self, other.to(.bool), Bool.self, to: Bool.self, op: "logicalOr") { $0 || $1 }
  }

  /// `a` where `condition` is true, `b` elsewhere; all three broadcast together (`torch.where`).
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    guard condition.dtype == .bool else {
      fatalError("where: condition must be a bool tensor, got \(condition.dtype) with shape \(condition.shape)")
    }
    let dtype = DType.promoted(a.dtype, b.dtype)
    let shape = Layout.broadcastShapes(Layout.broadcastShapes(condition.shape, a.shape, op: "where"), b.shape, op: "where")
    let picked = Tensor(zeros: shape, dtype: dtype)
    withNoGrad { picked.copy(from: b) }
    // Overwrite the chosen positions from `a`, reading the mask alongside.
    let mask = condition.expanded(shape), source = a.to(dtype).expanded(shape)
    func run<T: TensorElement>(_: T.Type) {
      let pm = mask.base(Bool.self), ps = source.base(T.self), pd = picked.base(T.self)
      StridedLoop(shape: shape, strides: [picked.strides, mask.strides, source.strides]).forEachRun { off, n, st in
        for i in 0..<n where pm[off[1] + i * st[1]] { pd[off[0] + i * st[0]] = ps[off[2] + i * st[2]] }
      }
    }
    switch dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .float16: run(Float16.self)
    case .bfloat16: run(BFloat16.self)
    case .int64: run(Int64.self)
    case .bool: run(Bool.self)
    }
    return picked.recorded("WhereBackward", inputs: [condition, a, b], saving: [condition]) { g in
      let zero = Tensor.zeros([], dtype: g.dtype)
      return [nil, Tensor.where(condition, g, zero), Tensor.where(condition, zero, g)]
    }
  }
}
