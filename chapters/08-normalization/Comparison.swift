import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// One training run recorded finely: the mean training loss of every `every` steps (against
/// examples seen), and the test accuracy after each epoch.
struct Curve {
  let name: String
  var examples: [Double] = [], losses: [Double] = []
  var epochAccuracy: [Double] = []
  var seconds = 0.0
}

/// Trains `net` with plain SGD for `epochs` passes, recording a `Curve`.
func trainRecorded(_ name: String, _ net: Module, train: FashionMNIST, test: FashionMNIST, epochs: Int, batchSize: Int,
                   lr: Double, seed: UInt64, every: Int, maxSteps: Int = .max) -> Curve {
  let optimizer = SGD(parameters: net.parameters(), lr: lr)
  let loader = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, generator: Generator(seed: seed))
  var curve = Curve(name: name)
  var seen = 0, window = 0.0, count = 0, steps = 0
  let start = Date()
  for _ in 0..<epochs {
    net.train()
    for batch in loader where steps < maxSteps {
      steps += 1
      let loss = crossEntropy(logits: net(batch.inputs), targets: batch.labels)
      loss.backward()
      optimizer.step()
      optimizer.zeroGrad()
      seen += batch.labels.count
      window += loss.item(); count += 1
      if count == every {
        curve.examples.append(Double(seen)); curve.losses.append(window / Double(count))
        window = 0; count = 0
      }
    }
    curve.epochAccuracy.append(testAccuracy(net, test))
  }
  curve.seconds = Date().timeIntervalSince(start)
  return curve
}

/// Accuracy on `data` in evaluation mode (batch norm with its running statistics).
func testAccuracy(_ net: Module, _ data: FashionMNIST) -> Double {
  evaluate(Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, step: {}), data).accuracy
}

/// The same small network with each normalization (and none), same data, same seed, same
/// optimizer. Returns one curve per kind.
func compareNormalizations(train: FashionMNIST, test: FashionMNIST, epochs: Int, batchSize: Int, lr: Double, seed: UInt64,
                           maxSteps: Int = .max) -> [Curve] {
  let every = max(1, min(train.count / batchSize, maxSteps) / 40)
  var curves: [Curve] = []
  print("  small CNN: conv 3×3 (8) → norm → ReLU → max pool → conv 3×3 (16) → norm → ReLU → max pool → dense 10;"
        + " SGD lr \(lr), batch \(batchSize), \(epochs) epoch(s)")
  for kind in NormKind.allCases {
    Torchlight.manualSeed(seed &+ 20)
    let net = smallCNN(kind)
    let curve = trainRecorded(kind.rawValue, net, train: train, test: test, epochs: epochs, batchSize: batchSize,
                              lr: lr, seed: seed &+ 21, every: every, maxSteps: maxSteps)
    print("    \(kind.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) parameters \(String(net.parameterCount).padding(toLength: 6, withPad: " ", startingAt: 0))"
          + " final train loss \(f4(curve.losses.last ?? .nan))  test accuracy per epoch "
          + curve.epochAccuracy.map(f4).joined(separator: ", ") + String(format: "  (%.1f s)", curve.seconds))
    curves.append(curve)
  }
  return curves
}

/// Batch norm's statistics come from the batch, so tiny batches make them noisy in training and
/// leave running averages that do not match; group norm never looks across the batch. Each run
/// sees the same number of examples (`examples`), with the learning rate scaled with the batch
/// size (lr · b / 64) so that every run takes the same total step.
func batchSizeSensitivity(train: FashionMNIST, test: FashionMNIST, sizes: [Int], examples: Int, lr: Double, seed: UInt64)
    -> [(kind: NormKind, size: Int, accuracy: Double)] {
  var rows: [(NormKind, Int, Double)] = []
  print("  same small CNN, \(examples) training examples per run, plain SGD with lr \(lr)·batch/64")
  print("    batch   batch-norm: train loss, test accuracy   group-norm: train loss, test accuracy   (evaluation mode)")
  for size in sizes {
    var line = "    \(String(size).padding(toLength: 8, withPad: " ", startingAt: 0))"
    for kind in [NormKind.batch, .group] {
      Torchlight.manualSeed(seed &+ 30)
      let net = smallCNN(kind)
      let optimizer = SGD(parameters: net.parameters(), lr: lr * Double(size) / 64)
      let loader = DataLoader(train, batchSize: size, shuffle: true, dropLast: true, generator: Generator(seed: seed &+ 31))
      var seen = 0, recent: [Double] = []
      outer: while loader.count > 0 {
        for batch in loader {
          let loss = crossEntropy(logits: net(batch.inputs), targets: batch.labels)
          loss.backward()
          optimizer.step()
          optimizer.zeroGrad()
          recent.append(loss.item())
          if recent.count > 1000 / size + 10 { recent.removeFirst() }    // about the last 1,000 examples
          seen += size
          if seen >= examples { break outer }
        }
      }
      let accuracy = testAccuracy(net, test)
      rows.append((kind, size, accuracy))
      let trainLoss = recent.reduce(0, +) / Double(max(recent.count, 1))
      line += "\(f4(trainLoss)), \(f4(accuracy))".padding(toLength: 42, withPad: " ", startingAt: 0)
    }
    print(line)
  }
  return rows
}
