import Foundation
import TorchlightNN

/// Batch normalization written out with tensor ops, as the textbook does.
///
/// Training: each feature (axis 1) is standardised with the batch's own statistics,
///     μ = mean of x over the batch (and the pixels, for images),  σ² = mean of (x − μ)²,
///     y = γ · (x − μ) / √(σ² + ε) + β,
/// and the running estimates move a step towards them: r ← (1 − m)·r + m·(batch value).
/// Evaluation: μ and σ² are replaced by the running estimates, so each example's output no longer
/// depends on which other examples share its batch.
///
/// `x` is [N, D] (after a dense layer) or [N, C, H, W] (after a convolution). Returns the output
/// and the updated running mean and variance (unchanged in evaluation).
func batchNormScratch(_ x: Tensor, gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor,
                      training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) -> (y: Tensor, mean: Tensor, variance: Tensor) {
  guard x.rank == 2 || x.rank == 4 else { fatalError("batchNormScratch: expected [N, D] or [N, C, H, W], got shape \(x.shape)") }
  // The axes averaged over: the batch for [N, D]; the batch and every pixel for [N, C, H, W].
  let axes = x.rank == 2 ? [0] : [0, 2, 3]
  let shape = x.rank == 2 ? [1, x.shape[1]] : [1, x.shape[1], 1, 1]     // a [C] vector broadcast over x
  guard training else {
    let xHat = (x - runningMean.reshaped(shape)) / (runningVar.reshaped(shape) + eps).sqrt()
    return (gamma.reshaped(shape) * xHat + beta.reshaped(shape), runningMean, runningVar)
  }
  let mean = x.mean(axes: axes, keepDims: true)
  let variance = (x - mean).pow(2).mean(axes: axes, keepDims: true)
  let xHat = (x - mean) / (variance + eps).sqrt()
  // The running variance uses the unbiased estimate (σ² · n/(n − 1)), as PyTorch does; the
  // textbook's version keeps the biased one. Either way it is an exponential moving average.
  let n = Double(x.count / x.shape[1])
  let newMean = withNoGrad { runningMean * (1 - momentum) + mean.reshaped(-1) * momentum }
  let newVar = withNoGrad { runningVar * (1 - momentum) + variance.reshaped(-1) * (n / (n - 1) * momentum) }
  return (gamma.reshaped(shape) * xHat + beta.reshaped(shape), newMean, newVar)
}

/// `batchNormScratch` as a layer: γ (ones) and β (zeros) are trained parameters, the running
/// mean (zeros) and variance (ones) are buffers, replaced after every training batch.
final class ScratchBatchNorm: Module {
  let gamma: Tensor, beta: Tensor
  let runningMean: Buffer, runningVar: Buffer
  let rank: Int

  /// `features` channels of a rank-`rank` input: 2 after a dense layer, 4 after a convolution.
  init(_ features: Int, rank: Int) {
    precondition(rank == 2 || rank == 4, "ScratchBatchNorm: rank must be 2 or 4, got \(rank)")
    self.rank = rank
    gamma = Tensor.ones([features]).requiringGrad()
    beta = Tensor.zeros([features]).requiringGrad()
    runningMean = Buffer(Tensor.zeros([features]))
    runningVar = Buffer(Tensor.ones([features]))
  }

  override func forward(_ x: Tensor) -> Tensor {
    guard x.rank == rank else { fatalError("ScratchBatchNorm: expected a rank-\(rank) input, got shape \(x.shape)") }
    let (y, mean, variance) = batchNormScratch(x, gamma: gamma, beta: beta, runningMean: runningMean.value,
                                               runningVar: runningVar.value, training: isTraining)
    runningMean.value = mean
    runningVar.value = variance
    return y
  }
}

/// The scratch function against `BatchNorm2d` and `BatchNorm1d` on the same inputs: training
/// outputs, running statistics after a few batches, evaluation outputs and input gradients.
/// Returns the largest difference seen.
@discardableResult
func compareScratchWithModule() -> Double {
  let g = Generator(seed: 3)
  var worst = 0.0
  for shape in [[16, 5], [8, 3, 6, 6]] {
    let features = shape[1]
    let module: BatchNorm = shape.count == 2 ? BatchNorm1d(features) : BatchNorm2d(features)
    let gamma = Tensor.rand([features], generator: g) + 0.5, beta = Tensor.randn([features], generator: g)
    withNoGrad { module.weight!.copy(from: gamma); module.bias!.copy(from: beta) }
    var mean = Tensor.zeros([features]), variance = Tensor.ones([features])
    var diffs: [Double] = []
    for _ in 0..<5 {          // five training batches, with a shift and scale the layer must remove
      let x = (Tensor.randn(shape, generator: g) * 3 + 2).requiringGrad()
      let ours = batchNormScratch(x, gamma: gamma, beta: beta, runningMean: mean, runningVar: variance, training: true)
      (mean, variance) = (ours.mean, ours.variance)
      let theirs = module(x)
      diffs.append(maxDifference(ours.y, theirs))
      // Input gradients of the same weighted sum: they must agree too.
      let w = Tensor.randn(shape, generator: g)
      let gOurs = gradient(of: { (ours.y * w).sum() }, x), gTheirs = gradient(of: { (theirs * w).sum() }, x)
      diffs.append(maxDifference(gOurs, gTheirs))
    }
    let stats = max(maxDifference(mean, module.runningMean!.value), maxDifference(variance, module.runningVar!.value))
    module.eval()
    let x = Tensor.randn(shape, generator: g)
    let evalDiff = maxDifference(batchNormScratch(x, gamma: gamma, beta: beta, runningMean: mean, runningVar: variance, training: false).y,
                                 withNoGrad { module(x) })
    let name = shape.count == 2 ? "BatchNorm1d, input \(shape)" : "BatchNorm2d, input \(shape)"
    print("  scratch vs \(name): max difference in training outputs and input gradients "
          + "\(sci(diffs.max()!)), running statistics after 5 batches \(sci(stats)), evaluation outputs \(sci(evalDiff))")
    worst = max(worst, diffs.max()!, stats, evalDiff)
  }
  print("  max difference scratch vs module: \(sci(worst))")
  return worst
}

/// d(f())/dx, computed by a fresh backward pass (x's gradient is cleared first and after).
func gradient(of f: () -> Tensor, _ x: Tensor) -> Tensor {
  x.zeroGrad()
  f().backward(retainGraph: true)
  let g = x.grad!.detached()
  x.zeroGrad()
  return g
}

func maxDifference(_ a: Tensor, _ b: Tensor) -> Double { withNoGrad { (a.to(.float64) - b.to(.float64)).abs().max().item() } }
func sci(_ v: Double) -> String { String(format: "%.1e", v) }
