/// One-hot encoding (`F.one_hot`): an int64 tensor of class indices of any shape becomes a tensor
/// with one more axis of length `numClasses`, holding 1 at each index and 0 elsewhere. This is how
/// a character-level model reads its input: token k is the k-th unit vector, so a linear layer
/// applied to it simply picks column k of the weight.
///
/// `numClasses` −1 (the default) uses the largest index + 1. The result is float32 unless
/// `dtype` says otherwise (PyTorch returns int64 and most code then calls `.float()`). It carries
/// no gradient: indices are not differentiable.
public func oneHot(_ indices: Tensor, numClasses: Int = -1, dtype: DType = Tensor.defaultDType) -> Tensor {
  guard indices.dtype == .int64 else {
    fatalError("oneHot: expected an int64 tensor of class indices, got \(indices.dtype) with shape \(indices.shape); convert with .long()")
  }
  let values = indices.toArray(Int64.self)
  let classes = numClasses >= 0 ? numClasses : Int(values.max() ?? -1) + 1
  guard numClasses >= -1 else { fatalError("oneHot: numClasses must be -1 (infer) or at least 0, got \(numClasses)") }
  if let bad = values.first(where: { $0 < 0 || $0 >= Int64(classes) }) {
    fatalError("oneHot: class index \(bad) is outside [0, \(classes)) for numClasses \(numClasses) (indices of shape \(indices.shape))")
  }
  func write<T: TensorElement>(_: T.Type, one: T, zero: T) -> Tensor {
    Tensor(shape: indices.shape + [classes], of: T.self) { out in
      out.update(repeating: zero)
      for (i, v) in values.enumerated() { out[i * classes + Int(v)] = one }
    }
  }
  switch dtype {
  case .float32: return write(Float.self, one: 1, zero: 0)
  case .float64: return write(Double.self, one: 1, zero: 0)
  case .float16: return write(Float16.self, one: Float16(rounding: 1), zero: Float16(rounding: 0))
  case .bfloat16: return write(BFloat16.self, one: BFloat16(rounding: 1), zero: BFloat16(rounding: 0))
  case .int64: return write(Int64.self, one: 1, zero: 0)
  case .bool: return write(Bool.self, one: true, zero: false)
  }
}
