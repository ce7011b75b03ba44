/// An n-dimensional array: a view of a shared `Storage` through `shape`, `strides` and `offset`.
///
/// Element `(i₀, i₁, …, iₙ₋₁)` is `storage[offset + Σₖ iₖ·strides[k]]`. Views (`transposed`,
/// `reshaped` when possible, slicing, `expanded`, …) build a new `Tensor` on the same storage and
/// copy nothing, so writing through one view is seen by all of them, exactly as in PyTorch.
public final class Tensor: @unchecked Sendable {
  /// The memory this tensor views; shared with every other view of it.
  public let storage: Storage
  /// Size of each axis. `[]` is a scalar (0-d tensor) holding one element.
  public let shape: [Int]
  /// Elements to skip in `storage` to move one step along each axis (0 for a broadcast axis).
  public let strides: [Int]
  /// Index in `storage` of the first element.
  public let offset: Int

  // MARK: Autograd state (see Autograd/)

  /// Set for tensors made by a differentiable op while recording: the node that computes this
  /// tensor's gradient contribution to the op's inputs. nil for leaves.
  public internal(set) var gradFn: Node?
  /// The accumulated gradient ∂L/∂self after `backward()`, for leaves that require grad (and
  /// for non-leaves that called `retainGrad()`).
  public internal(set) var grad: Tensor?
  /// Whether gradients flow to this tensor; set it on leaves such as parameters.
  var storedRequiresGrad = false
  /// Gradient hooks of a leaf (a non-leaf's hooks live on its `gradFn`).
  var leafHooks: [(Tensor) -> Tensor?] = []
  /// Hooks run after backward has stored this leaf's gradient in `.grad`, by id.
  var postAccumulateHooks: [(id: Int, hook: (Tensor) -> Void)] = []
  /// True for the 0-d tensor made from a Swift number in `x * 0.5`: like a Python scalar in
  /// PyTorch, it does not change the result's float dtype (`Tensor.resultDType`).
  var isWrappedNumber = false

  /// Wraps `storage` with a layout. Views are made through this initializer.
  public init(storage: Storage, shape: [Int], strides: [Int], offset: Int = 0) {
    precondition(shape.count == strides.count, "Tensor: shape \(shape) and strides \(strides) differ in rank")
    precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
    self.storage = storage
    self.shape = shape
    self.strides = strides
    self.offset = offset
  }

  /// A new zero-filled, contiguous tensor.
  public convenience init(zeros shape: [Int], dtype: DType = Tensor.defaultDType) {
    let storage = Storage(count: Layout.count(shape), dtype: dtype)
    self.init(storage: storage, shape: shape, strides: Layout.contiguousStrides(shape))
  }

  /// A new contiguous tensor whose elements are not initialised: only for kernels that write
  /// every element before anyone reads.
  convenience init(uninitialized shape: [Int], dtype: DType, strides: [Int]? = nil) {
    let storage = Storage(count: Layout.count(shape), dtype: dtype, zeroed: false)
    self.init(storage: storage, shape: shape, strides: strides ?? Layout.contiguousStrides(shape))
  }

  /// The element type.
  public var dtype: DType { storage.dtype }
  /// Number of axes.
  public var rank: Int { shape.count }
  /// Number of elements (PyTorch's `numel()`).
  public var count: Int { Layout.count(shape) }
  /// Bytes per element (PyTorch's `element_size()`): 2 for float16 and bfloat16.
  public var elementSize: Int { dtype.itemSize }
  /// Bytes the elements of this view take (`count * itemSize`); the storage may be larger.
  public var byteCount: Int { count * dtype.itemSize }
  /// True when the elements form one dense row-major run in storage.
  public var isContiguous: Bool { Layout.isContiguous(shape: shape, strides: strides) }
  /// Size of one axis; negative axes count from the end.
  public func size(_ axis: Int) -> Int { shape[Layout.normalizeAxis(axis, rank: rank, op: "size")] }
  /// Stride of one axis; negative axes count from the end.
  public func stride(_ axis: Int) -> Int { strides[Layout.normalizeAxis(axis, rank: rank, op: "stride")] }

  /// Typed pointer to element 0 of this view. `T` must match `dtype`.
  @inline(__always)
  func base<T: TensorElement>(_ type: T.Type) -> UnsafeMutablePointer<T> {
    storage.pointer(as: T.self) + offset
  }

  /// Stops with a message naming `op` unless the dtype is a floating-point one.
  func requireFloat(_ op: String) {
    guard dtype.isFloatingPoint else {
      fatalError("\(op): expected a floating-point tensor, got \(dtype) with shape \(shape); convert with .to(.float32)")
    }
  }
}
