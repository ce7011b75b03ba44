import Foundation
import TorchlightData
import TorchlightNN

/// Why batch norm's backward must go through μ and σ²: they are functions of every example in
/// the batch, so moving one input moves the statistics and hence every output. The full gradient
/// of L = Σ w ⊙ y has, per feature, zero sum over the batch (adding a constant to a whole column
/// of x leaves y unchanged); treating μ and σ as constants (detached) loses that and gets a
/// different, wrong gradient.
func backwardThroughStatistics() -> (full: Double, detached: Double) {
  let g = Generator(seed: 4)
  let x = (Tensor.randn([32, 4], dtype: .float64, generator: g) * 2 + 1).requiringGrad()
  let w = Tensor.randn([32, 4], dtype: .float64, generator: g)
  let mean = x.mean(axis: 0, keepDims: true)
  let std = ((x - mean).pow(2).mean(axis: 0, keepDims: true) + 1e-5).sqrt()
  let full = gradient(of: { (w * (x - mean) / std).sum() }, x)
  let frozen = gradient(of: { (w * (x - mean.detached()) / std.detached()).sum() }, x)
  let fullSum = full.sum(axis: 0).abs().max().item(), frozenSum = frozen.sum(axis: 0).abs().max().item()
  print("  L = Σ w·BN(x) on a [32, 4] batch (float64): |Σ over the batch of ∂L/∂x| per feature is "
        + "\(sci(fullSum)) through the statistics, \(String(format: "%.3f", frozenSum)) with μ, σ treated as constants")
  print("  the two gradients differ by up to \(String(format: "%.3f", maxDifference(full, frozen))): the batch statistics belong in the backward pass")
  return (fullSum, frozenSum)
}

/// Training and evaluation mode differ: the same input gives different outputs, because training
/// uses the batch's statistics and evaluation the running averages. The running averages, fed
/// batches of Fashion-MNIST pixels, approach the data set's true mean and variance.
func trainVersusEval(_ train: FashionMNIST, batchSize: Int, batches: Int) {
  let bn = BatchNorm2d(1)
  let pixels = train.images
  let trueMean = pixels.mean().item(), trueVar = pixels.variance().item()
  print("  BatchNorm2d(1) on raw images; the data set's pixels have mean \(f4(trueMean)), variance \(f4(trueVar))")
  let loader = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, generator: Generator(seed: 5))
  var step = 0
  let report = Set([1, 5, 10, 20, 50, 100, 200].filter { $0 < batches } + [batches])
  withNoGrad {
    outer: while true {
      for batch in loader {
        _ = bn(batch.inputs)
        step += 1
        if report.contains(step) {
          print("    after \(String(step).padding(toLength: 3, withPad: " ", startingAt: 0)) batches of \(batchSize): running mean \(f4(bn.runningMean!.value.item())), "
                + "running variance \(f4(bn.runningVar!.value.item()))")
        }
        if step >= report.max()! { break outer }
      }
      if loader.count == 0 { break }
    }
  }
  // The same four images, in training mode inside two different batches, and in evaluation mode.
  let four = train.images[0..<4]
  let batchA = Tensor.cat([four, train.images[4..<8]], axis: 0), batchB = Tensor.cat([four, train.images[100..<104]], axis: 0)
  let inA = withNoGrad { bn(batchA)[0..<4] }, inB = withNoGrad { bn(batchB)[0..<4] }
  bn.eval()
  let evalA = withNoGrad { bn(batchA)[0..<4] }, evalB = withNoGrad { bn(batchB)[0..<4] }
  bn.train()
  print("  the same 4 images in two different batches of 8: outputs differ by up to \(f4(maxDifference(inA, inB))) in training mode, "
        + "\(sci(maxDifference(evalA, evalB))) in evaluation mode")
  print("  training vs evaluation output for the same batch: max difference \(f4(maxDifference(inA, evalA)))")
}

/// A convolution's bias is wasted in front of batch norm: BN subtracts each channel's batch mean,
/// and a per-channel constant moves that mean by exactly the same amount. Changing the bias
/// leaves the output unchanged, and the bias's gradient is zero (up to rounding).
func convBiasBeforeBatchNorm() -> (outputChange: Double, biasGradient: Double) {
  let g = Generator(seed: 6)
  let conv = Conv2d(3, 4, kernelSize: 3, dtype: .float64, generator: g), bn = BatchNorm2d(4, dtype: .float64)
  let x = Tensor.randn([8, 3, 10, 10], dtype: .float64, generator: g)
  let w = Tensor.randn([8, 4, 8, 8], dtype: .float64, generator: g)
  let before = bn(conv(x))
  let loss = (before * w).sum()
  loss.backward()
  let biasGrad = conv.bias!.grad!.abs().max().item(), weightGrad = conv.weight.grad!.abs().max().item()
  withNoGrad { conv.bias!.copy(from: conv.bias! + Tensor.randn([4], dtype: .float64, generator: g) * 5) }
  let after = withNoGrad { bn(conv(x)) }
  let change = maxDifference(before, after)
  print("  conv(3→4, 3×3) → BatchNorm2d, float64: adding random values (σ = 5) to the conv bias changes the output by \(sci(change))")
  print("  gradient of a loss: largest |∂L/∂bias| \(sci(biasGrad)), largest |∂L/∂weight| \(f4(weightGrad)); so BN layers follow bias-free convolutions")
  return (change, biasGrad)
}

func f4(_ v: Double) -> String { String(format: "%.4f", v) }
