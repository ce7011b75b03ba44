import Foundation

/// One flat, typed block of memory that any number of tensors view.
///
/// A `Storage` knows nothing of shapes: `Tensor` adds shape, strides and offset on top. Two
/// tensors share memory exactly when their `storage` is the same object (`a.storage === b.storage`).
public final class Storage: @unchecked Sendable {
  /// The element type of every value in the buffer.
  public let dtype: DType
  /// Number of elements (not bytes).
  public let count: Int
  /// The raw bytes, `count * dtype.itemSize` of them, zero-filled at creation.
  let bytes: UnsafeMutableRawPointer
  /// Bumped by every in-place write. Autograd compares it with the value it saw when it saved a
  /// tensor for backward, to detect a saved tensor that was changed behind its back.
  public internal(set) var version = 0
  /// A serial number (1, 2, 3, … in order of creation), to tell storages apart when printing.
  public let id: Int

  private static let counterLock = NSLock()
  nonisolated(unsafe) private static var created = 0

  /// Storage for `count` elements of `dtype`, zero-filled unless `zeroed` is false (kernels that
  /// write every element skip the fill).
  public init(count: Int, dtype: DType, zeroed: Bool = true) {
    precondition(count >= 0, "Storage: negative element count \(count)")
    self.dtype = dtype
    self.count = count
    Storage.counterLock.lock()
    Storage.created += 1
    id = Storage.created
    Storage.counterLock.unlock()
    let byteCount = max(count * dtype.itemSize, 1)
    bytes = BufferPool.shared.allocate(byteCount: byteCount)
    if zeroed { bytes.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount) }
  }

  deinit { BufferPool.shared.release(bytes, byteCount: max(count * dtype.itemSize, 1)) }

  /// Size of the buffer in bytes.
  public var byteCount: Int { count * dtype.itemSize }

  /// The buffer as typed elements. `T` must match `dtype`.
  @inline(__always)
  func pointer<T: TensorElement>(as type: T.Type) -> UnsafeMutablePointer<T> {
    assert(T.dtype == dtype, "Storage: \(dtype) elements read as \(T.dtype)")
    return bytes.assumingMemoryBound(to: T.self)
  }

  /// Marks the buffer as changed in place.
  func bumpVersion() { version &+= 1 }
}
