import Torchlight

/// The mean squared error (halved, as the scratch loss) over the whole data set at every point of
/// a grid of (w1, w2), with b held fixed: the bowl SGD walks down. All grid points are computed
/// at once: stacking the candidate weight vectors as columns of W makes X·W one matrix product.
func lossSurface(features: Tensor, labels: Tensor, b: Double, w1: [Double], w2: [Double]) -> [[Double]] {
  withNoGrad {
    let pairs = w2.flatMap { v in w1.map { u in [u, v] } }        // row-major over (w2, w1)
    let candidates = Tensor(pairs).t()                             // [2, G]
    let residuals = features.matmul(candidates) + b - labels       // [N, G], labels broadcast over G
    let losses = (residuals * residuals).mean(axis: 0).toDoubles().map { $0 / 2 }
    return w2.indices.map { i in Array(losses[(i * w1.count)..<((i + 1) * w1.count)]) }
  }
}
