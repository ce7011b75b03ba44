import TorchlightData

/// Does prefetching hide loading time? An epoch over 20,000 in-memory 28×28 images with random
/// crops and flips (the costly part), each batch then used by a matrix product standing in for a
/// training step, with and without the background thread.
func benchDataLoader(threads: Int) {
  let images = Tensor.rand([20_000, 1, 28, 28], generator: Generator(seed: 7))
  let data = TensorDataset(inputs: images, labels: Tensor.zeros([20_000], dtype: .int64))
  let augment = Compose([RandomCrop(size: 28, padding: 2), RandomHorizontalFlip()])
  let w = Tensor.randn([784, 512], generator: Generator(seed: 8))
  func epoch(prefetch: Bool) -> Double {
    let g = Generator(seed: 9)
    let loader = DataLoader(data, batchSize: 256, shuffle: true, prefetch: prefetch, generator: Generator(seed: 10)) {
      (augment($0.inputs, generator: g), $0.labels)
    }
    return bestTime(repeats: 3) {
      for batch in loader { blackHole(batch.inputs.reshaped(-1, 784).matmul(w).relu().sum()) }
    }
  }
  let plain = epoch(prefetch: false), prefetched = epoch(prefetch: true)
  report("dataloader_prefetch", ["threads": Double(threads), "epoch_s": plain, "prefetch_epoch_s": prefetched,
                                 "speedup": plain / prefetched])
}
