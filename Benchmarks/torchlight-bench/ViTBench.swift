import Foundation
import Torchlight
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// Training steps of chapter 11's default Vision Transformer, as `Benchmarks/pytorch/vit.py`
/// times them: 28×28 Fashion-MNIST images in 7×7 patches, width 64, 4 pre-norm blocks of 4
/// heads, MLP 128; 128 training images a step in order (cycling), cross-entropy, AdamW (lr 2e-3,
/// weight decay 0.05). Timed in chunks of 20 steps; images/s from the fastest and the median chunk.
func benchViT(threads: Int, steps: Int = 120) {
  guard let train = try? FashionMNIST(train: true) else {
    print("# vit skipped: Fashion-MNIST is not installed (make setup)")
    return
  }
  let batch = 128, chunk = 20
  let config = ViTConfig(imageSize: 28, patchSize: 7, numClasses: 10, embedDim: 64, depth: 4, numHeads: 4, mlpDim: 128)
  let model = VisionTransformer(config, generator: Generator(seed: 0))
  let optimizer = AdamW(parameters: model.parameters(), lr: 2e-3, weightDecay: 0.05)
  var chunkSeconds: [Double] = [], losses: [Double] = []
  var chunkStart = DispatchTime.now().uptimeNanoseconds
  for step in 0..<steps {
    let start = (step * batch) % (train.count - batch)
    let x = train.images.narrow(axis: 0, start: start, length: batch), y = train.labels.narrow(axis: 0, start: start, length: batch)
    let loss = crossEntropy(logits: model(x), targets: y)
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if (step + 1) % chunk == 0 {
      let now = DispatchTime.now().uptimeNanoseconds
      chunkSeconds.append(Double(now - chunkStart) / 1e9)
      chunkStart = now
    }
  }
  guard let fastest = chunkSeconds.min() else { return }
  let median = chunkSeconds.sorted()[chunkSeconds.count / 2], images = Double(chunk * batch)
  report("vit", ["threads": Double(threads), "images_per_sec": images / fastest, "images_per_sec_median": images / median,
                 "ms_per_step_median": 1000 * median / Double(chunk), "train_loss": losses.suffix(chunk).reduce(0, +) / Double(chunk)],
         extra: ["patch": "7", "dim": "64", "depth": "4", "params": "\(model.parameterCount)"])
}
