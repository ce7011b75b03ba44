/// The floating dtype a tensor gets when nothing names one (`torch.get_default_dtype`): float32,
/// unless a scope of `Tensor.withDefaultDType` says otherwise. Like grad mode, the setting is a
/// `@TaskLocal`, so it holds for the scope and the tasks it starts, and is restored on exit, even
/// when the body throws.
enum DefaultDType {
  @TaskLocal static var current: DType = .float32
}

extension Tensor {
  /// The dtype of new floating tensors made without a `dtype:`: Swift `Double` values and arrays
  /// (`Tensor([1.0, 2.0])`), `zeros`/`ones`/`full`/`randn`/`rand`/`linspace`/…, and the parameters
  /// of layers. `Float` values stay float32, integers give int64, and an explicit `dtype:` wins.
  public static var defaultDType: DType { DefaultDType.current }

  /// Runs `body` with `dtype` as the default floating dtype (`torch.set_default_dtype`, scoped):
  ///
  /// ```swift
  /// let layer = Tensor.withDefaultDType(.float64) { Linear(inFeatures: 3, outFeatures: 2) }   // float64 parameters
  /// ```
  public static func withDefaultDType<R>(_ dtype: DType, _ body: () throws -> R) rethrows -> R {
    requireFloating(dtype)
    return try DefaultDType.$current.withValue(dtype, operation: body)
  }

  /// The same for asynchronous code: child tasks (`async let`, task groups) inherit the setting;
  /// detached tasks start from float32.
  public static func withDefaultDType<R>(_ dtype: DType, isolation: isolated (any Actor)? = #isolation,
                                         _ body: () async throws -> R) async rethrows -> R {
    requireFloating(dtype)
    return try await DefaultDType.$current.withValue(dtype, operation: body)
  }

  private static func requireFloating(_ dtype: DType) {
    guard dtype.isFloatingPoint else {
      fatalError("Tensor.withDefaultDType: the default dtype must be a floating dtype, not \(dtype); pass dtype: to the creation function instead")
    }
  }
}
