extension Tensor {
  /// Position in storage of the element at a full index (negative indices count from the end).
  func storageIndex(_ index: [Int]) -> Int {
    guard index.count == rank else {
      fatalError("element: index \(index) has \(index.count) entries, tensor of shape \(shape) needs \(rank)")
    }
    var position = offset
    for axis in 0..<rank {
      let i = index[axis] < 0 ? index[axis] + shape[axis] : index[axis]
      guard i >= 0 && i < shape[axis] else {
        fatalError("element: index \(index[axis]) is out of bounds for axis \(axis) with size \(shape[axis])")
      }
      position += i * strides[axis]
    }
    return position
  }

  /// The element at a full index, as a Double.
  public func element(at index: [Int]) -> Double {
    let i = storageIndex(index)
    switch dtype {
    case .float32: return Double(storage.pointer(as: Float.self)[i])
    case .float64: return storage.pointer(as: Double.self)[i]
    case .float16: return storage.pointer(as: Float16.self)[i].doubleValue
    case .bfloat16: return storage.pointer(as: BFloat16.self)[i].doubleValue
    case .int64: return Double(storage.pointer(as: Int64.self)[i])
    case .bool: return storage.pointer(as: Bool.self)[i] ? 1 : 0
    }
  }

  /// Writes one element (converted to this tensor's dtype); counts as an in-place change.
  public func setElement(at index: [Int], _ value: Double) {
    checkInPlaceAllowed("setElement")
    writeElement(at: index, value)
  }

  /// `setElement` without the autograd check, for the gradient checker's perturbations.
  func writeElement(at index: [Int], _ value: Double) {
    let i = storageIndex(index)
    switch dtype {
    case .float32: storage.pointer(as: Float.self)[i] = Float(value)
    case .float64: storage.pointer(as: Double.self)[i] = value
    case .float16: storage.pointer(as: Float16.self)[i] = Float16(converting: value)
    case .bfloat16: storage.pointer(as: BFloat16.self)[i] = BFloat16(converting: value)
    case .int64: storage.pointer(as: Int64.self)[i] = Int64(converting: value)
    case .bool: storage.pointer(as: Bool.self)[i] = value != 0
    }
    storage.bumpVersion()
  }

  /// The value of a one-element tensor (PyTorch's `item()`).
  public func item() -> Double {
    guard count == 1 else {
      fatalError("item: only one-element tensors can be converted to a scalar, got shape \(shape)")
    }
    return element(at: [Int](repeating: 0, count: rank))
  }

  /// All elements in row-major order as a Swift array of `T`, which must match the dtype.
  public func toArray<T: TensorElement>(_ type: T.Type) -> [T] {
    guard T.dtype == dtype else {
      fatalError("toArray: asked for \(T.dtype) elements of a \(dtype) tensor; convert first with .to(.\(T.dtype))")
    }
    let c = contiguous()
    return Array(UnsafeBufferPointer(start: c.base(T.self), count: c.count))
  }

  /// All elements in row-major order, converted to Double (any dtype).
  public func toDoubles() -> [Double] {
    switch dtype {
    case .float32: toArray(Float.self).map(Double.init)
    case .float64: toArray(Double.self)
    case .float16: toArray(Float16.self).map(\.doubleValue)
    case .bfloat16: toArray(BFloat16.self).map(\.doubleValue)
    case .int64: toArray(Int64.self).map(Double.init)
    case .bool: toArray(Bool.self).map { $0 ? 1 : 0 }
    }
  }
}
