import Foundation
import Torchlight

/// The Inception Score of generated images from a classifier's predicted class probabilities
/// p(y | x), one row per image (Salimans et al., 2016; here with our own classifier instead of
/// Inception):
///
///     IS = exp( E_x KL( p(y | x) ‖ p(y) ) ),   p(y) = E_x p(y | x)
///
/// High when each image is classified confidently (p(y | x) peaked) and the images cover the
/// classes evenly (p(y) flat); it lies between 1 and the number of classes. As is customary the
/// images are cut into `splits` groups, and the mean and standard deviation over the groups are
/// returned.
public func inceptionScore(probabilities: Tensor, splits: Int = 10) -> (mean: Double, std: Double) {
  guard probabilities.rank == 2, probabilities.shape[0] >= splits, splits >= 1 else {
    fatalError("inceptionScore: expects probabilities of shape [images, classes] with at least \(splits) images (splits), got \(probabilities.shape)")
  }
  let p = withNoGrad { probabilities.detached().to(.float64) }
  let (n, classes) = (p.shape[0], p.shape[1])
  let rows = p.contiguous().toDoubles()
  var scores: [Double] = []
  for s in 0..<splits {
    let lo = s * n / splits, hi = (s + 1) * n / splits
    var marginal = [Double](repeating: 0, count: classes)
    for i in lo..<hi { for c in 0..<classes { marginal[c] += rows[i * classes + c] / Double(hi - lo) } }
    var kl = 0.0
    for i in lo..<hi {
      for c in 0..<classes {
        let q = rows[i * classes + c]
        if q > 0 { kl += q * (log(q) - log(marginal[c])) }        // 0·log 0 = 0
      }
    }
    scores.append(exp(kl / Double(hi - lo)))
  }
  let mean = scores.reduce(0, +) / Double(splits)
  let variance = scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(splits)   // numpy's std (ddof 0)
  return (mean, variance.squareRoot())
}
