import Foundation

/// The low-precision copies of weights made within one autocast scope, so that a weight used by
/// several ops (a shared embedding, a layer applied twice, a convolution unrolled over time) is
/// cast once per forward pass, as PyTorch's autocast cache does.
///
/// Only what PyTorch caches: float32 leaves that require grad (parameters), cast to the scope's
/// low format while grad mode is on. The key is the weight's storage and place in it, together
/// with the storage's version, so an optimizer step (an in-place update) makes the next use cast
/// again. An entry whose cast was already gone through by a backward pass (its graph freed) is
/// cast again too. The cache lives as long as the outermost `withAutocast` scope.
final class AutocastCache: @unchecked Sendable {
  private struct Key: Hashable {
    let storage: ObjectIdentifier, offset: Int, shape: [Int], strides: [Int], dtype: DType
  }
  private struct Entry {
    let cast: Tensor
    /// The weight it came from, kept alive so that its storage's identity cannot be reused.
    let source: Tensor
    let version: Int
  }
  private let lock = NSLock()
  /// One entry per weight and format: a newer version replaces the old cast.
  private var entries: [Key: Entry] = [:]

  /// Whether PyTorch's rule caches the cast of `t` to `dtype`.
  static func isCacheable(_ t: Tensor, to dtype: DType) -> Bool {
    dtype.isReducedPrecision && t.dtype == .float32 && t.isLeaf && t.requiresGrad && GradMode.isEnabled
  }

  /// `t.to(dtype)`, from the cache when this weight at this version was cast already.
  func cast(_ t: Tensor, to dtype: DType) -> Tensor {
    let key = Key(storage: ObjectIdentifier(t.storage), offset: t.offset, shape: t.shape, strides: t.strides, dtype: dtype)
    let version = t.storage.version
    lock.lock()
    if let hit = entries[key], hit.version == version, hit.cast.gradFn?.isReleased != true {
      lock.unlock()
      return hit.cast
    }
    lock.unlock()
    let cast = t.to(dtype)
    lock.lock()
    entries[key] = Entry(cast: cast, source: t, version: version)
    lock.unlock()
    return cast
  }
}
