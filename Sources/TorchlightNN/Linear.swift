/// y = x·Wᵀ + b, the fully connected layer (`nn.Linear`).
///
/// `weight` has shape `[outFeatures, inFeatures]` as in PyTorch; the product uses the
/// transposed view, which BLAS reads without a copy, and the bias is folded into the same BLAS
/// call (`Tensor.linear`). Both weight and bias start uniform on
/// [−1/√in, 1/√in], PyTorch's default.
public final class Linear: Module {
  public let weight: Tensor
  public let bias: Tensor?
  public let inFeatures: Int
  public let outFeatures: Int

  public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    precondition(inFeatures > 0 && outFeatures > 0, "Linear: feature counts must be positive, got \(inFeatures) → \(outFeatures)")
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    let bound = 1 / Double(inFeatures).squareRoot()
    weight = Tensor.uniform([outFeatures, inFeatures], low: -bound, high: bound, dtype: dtype, generator: generator).requiringGrad()
    self.bias = bias ? Tensor.uniform([outFeatures], low: -bound, high: bound, dtype: dtype, generator: generator).requiringGrad() : nil
  }

  public override func forward(_ x: Tensor) -> Tensor {
    guard x.rank >= 1, x.shape[x.rank - 1] == inFeatures else {
      fatalError("Linear(\(inFeatures) → \(outFeatures)): input of shape \(x.shape) has \(x.shape.last ?? 0) features in its last axis, expected \(inFeatures)")
    }
    return Tensor.linear(x, weight: weight, bias: bias)
  }
}

