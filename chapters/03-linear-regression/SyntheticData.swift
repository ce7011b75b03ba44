import Torchlight

/// y = X·w + b + ε with X ~ N(0, 1) and ε ~ N(0, noise²): data whose true parameters we know,
/// so we can see how close training gets.
func syntheticData(w: [Double], b: Double, count: Int, noise: Double, generator: Generator) -> (features: Tensor, labels: Tensor) {
  let trueW = Tensor(w).reshaped(-1, 1)
  let features = Tensor.randn([count, w.count], generator: generator)
  let labels = features.matmul(trueW) + b + Tensor.normal([count, 1], std: noise, generator: generator)
  return (features, labels)
}

/// The minibatches of one epoch, written by hand: shuffle the example indices, then cut them
/// into groups of `batchSize` (the last group may be smaller). Each batch is an index tensor.
func minibatchIndices(count: Int, batchSize: Int, generator: Generator) -> [Tensor] {
  let order = Tensor.randperm(count, generator: generator)
  return order.split(batchSize)
}
