/// In-place ops write through this view into the shared storage, so every other view of the same
/// storage sees the change, and they bump the storage's version counter.
///
/// While grad mode is on they refuse tensors that require grad: a leaf (a parameter) must be
/// updated inside `withNoGrad { }`, as optimizers do, and a tensor in the graph must be changed
/// with the out-of-place op. (PyTorch can rewrite the graph for in-place ops on non-leaves;
/// Torchlight keeps the simpler rule.)
extension Tensor {
  /// Stops with PyTorch's explanation when an in-place op would corrupt gradients.
  func checkInPlaceAllowed(_ op: String) {
    guard GradMode.enabled, requiresGrad else { return }
    if isLeaf {
      fatalError("\(op): a leaf tensor that requires grad (shape \(shape)) is being used in an in-place operation; update it inside withNoGrad { } or use the out-of-place form")
    }
    fatalError("\(op): in-place change of a tensor recorded in the graph (made by \(gradFn!.name), shape \(shape)); use the out-of-place form (x = x + y) instead")
  }

  /// Sets every element of this view to `value`.
  public func fill(_ value: Double) {
    checkInPlaceAllowed("fill")
    func run<T: TensorElement>(_: T.Type) {
      let v = T(converting: value), p = base(T.self)
      StridedLoop(shape: shape, strides: [strides]).forEachRun { off, n, st in
        let d = p + off[0], s = st[0]
        for i in 0..<n { d[i * s] = v }
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
    storage.bumpVersion()
  }

  /// Sets every element to zero.
  public func zero() { fill(0) }

  /// Copies `source` (broadcast to this shape, converted to this dtype) into this view (`copy_`).
  public func copy(from source: Tensor) {
    checkInPlaceAllowed("copy")
    var src = source.dtype == dtype ? source : source.to(dtype)
    if src.storage === storage { src = src.clone() }  // overlapping views: read a snapshot
    switch dtype {
    case .float32: Elementwise.update(self, Float.self, with: src, Float.self, op: "copy") { $1 }
    case .float64: Elementwise.update(self, Double.self, with: src, Double.self, op: "copy") { $1 }
    case .float16: Elementwise.update(self, Float16.self, with: src, Float16.self, op: "copy") { $1 }
    case .bfloat16: Elementwise.update(self, BFloat16.self, with: src, BFloat16.self, op: "copy") { $1 }
    case .int64: Elementwise.update(self, Int64.self, with: src, Int64.self, op: "copy") { $1 }
    case .bool: Elementwise.update(self, Bool.self, with: src, Bool.self, op: "copy") { $1 }
    }
    storage.bumpVersion()
  }

  /// `self = f(self, other)` in place; the result dtype must be this tensor's.
  func updateInPlace<F: NumericBinaryFunction>(_ other: Tensor, _: F.Type, op: String) {
    checkInPlaceAllowed(op)
    if dtype.isReducedPrecision {
      // f(self, other) in float32, rounded once as it is written back.
      let result = Tensor.numericBinary(self, other, F.self, op: op)
      guard result.shape == shape else {
        fatalError("\(op): cannot write a result of shape \(result.shape) into a tensor of shape \(shape) in place")
      }
      return withNoGrad { copy(from: result) }
    }
    var src = other.dtype == dtype ? other : other.to(dtype)
    if src.storage === storage { src = src.clone() }
    switch dtype {
    case .float32: Elementwise.update(self, Float.self, with: src, Float.self, op: op) { F.apply($0, $1) }
    case .float64: Elementwise.update(self, Double.self, with: src, Double.self, op: op) { F.apply($0, $1) }
    case .float16, .bfloat16: fatalError("\(op): half formats are handled above")
    case .int64: Elementwise.update(self, Int64.self, with: src, Int64.self, op: op) { F.apply($0, $1) }
    case .bool: fatalError("\(op): arithmetic in place on a bool tensor is not defined")
    }
    storage.bumpVersion()
  }

  public static func += (a: Tensor, b: Tensor) { a.updateInPlace(b, Add.self, op: "add_") }
  public static func -= (a: Tensor, b: Tensor) { a.updateInPlace(b, Sub.self, op: "sub_") }
  public static func *= (a: Tensor, b: Tensor) { a.updateInPlace(b, Mul.self, op: "mul_") }
  public static func /= (a: Tensor, b: Tensor) {
    guard a.dtype.isFloatingPoint else { fatalError("div_: an integer tensor cannot hold the result of / in place") }
    if a.dtype.isReducedPrecision {  // a / b in float32, rounded once
      a.checkInPlaceAllowed("div_")
      return withNoGrad { a.copy(from: a / b) }
    }
    a *= 1.0 / b.to(a.dtype)
  }
  public static func += (a: Tensor, b: Double) { a += a.scalarLike(b) }
  public static func -= (a: Tensor, b: Double) { a -= a.scalarLike(b) }
  public static func *= (a: Tensor, b: Double) { a *= a.scalarLike(b) }
  public static func /= (a: Tensor, b: Double) { a /= a.scalarLike(b) }

  /// `self += alpha * other` in place (`add_(other, alpha=)`), the core of an SGD step.
  public func addInPlace(_ other: Tensor, alpha: Double = 1) {
    if alpha == 1 { self += other } else { self += other * alpha }
  }
}

/// Direct access to a tensor's elements, for update loops written outside the engine (an
/// optimizer's step), like PyTorch's `data_ptr()`.
extension Tensor {
  /// Calls `body` with this contiguous tensor's elements to read and overwrite in place; every
  /// view of the storage sees the writes, and the storage's version is bumped afterwards. The
  /// rules of the other in-place ops apply (a parameter only inside `withNoGrad { }`). `T` must
  /// be the dtype's element type.
  public func withUnsafeMutableElements<T: TensorElement, R>(_: T.Type,
                                                            _ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
    checkInPlaceAllowed("withUnsafeMutableElements")
    precondition(T.dtype == dtype, "withUnsafeMutableElements: asked for \(T.dtype) elements of a \(dtype) tensor")
    precondition(isContiguous, "withUnsafeMutableElements: the tensor of shape \(shape) and strides \(strides) is not contiguous; write into a contiguous copy and copy(from:) it back")
    defer { storage.bumpVersion() }
    return try body(UnsafeMutableBufferPointer(start: base(T.self), count: count))
  }

  /// Calls `body` with the elements in row-major order, read-only: this tensor's own storage when
  /// it is contiguous, otherwise a contiguous copy.
  public func withUnsafeElements<T: TensorElement, R>(_: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
    precondition(T.dtype == dtype, "withUnsafeElements: asked for \(T.dtype) elements of a \(dtype) tensor")
    let c = contiguous()
    return try withExtendedLifetime(c) { try body(UnsafeBufferPointer(start: c.base(T.self), count: c.count)) }
  }
}
