import Foundation
import Testing
import TorchlightData
@testable import TorchlightMetrics
import TorchlightNN

/// The feature matrices of Tests/peers/frechet_reference.py, built from the same formulas.
private func referenceFeatures() -> (a: Tensor, b: Tensor) {
  let (n, d) = (200, 16)
  var a: [Double] = [], b: [Double] = []
  for i in 0..<n {
    for j in 0..<d {
      let (x, y) = (Double(i), Double(j))
      a.append(sin(0.37 * x + 1.3 * y) + 0.1 * cos(0.11 * x * y))
      b.append(0.8 * sin(0.29 * x + 1.1 * y + 0.5) + 0.05 * y + 0.2 * cos(0.07 * x * y))
    }
  }
  return (Tensor(a, shape: [n, d], dtype: .float64), Tensor(b, shape: [n, d], dtype: .float64))
}

@Suite("Fréchet distance and Inception Score") struct FrechetTests {
  @Test func matchesNumPyAndSciPy() {
    // Values printed by Tests/peers/frechet_reference.py (NumPy 2, SciPy 1.16: np.cov and
    // scipy.linalg.sqrtm of Σ₁Σ₂, as the usual FID code computes them).
    let (a, b) = referenceFeatures()
    let sa = GaussianStatistics(features: a)
    #expect(abs(frechetDistance(sa, GaussianStatistics(features: b)) - 8.316552007277807) < 1e-6)
    #expect(abs(frechetDistance(sa, GaussianStatistics(features: a.narrow(axis: 0, start: 0, length: 100))) - 0.001919363862420198) < 1e-6)
    let covariance = sa.covariance.toDoubles()
    var trace = 0.0
    for i in 0..<16 { trace += covariance[i * 16 + i] }
    #expect(abs(trace - 8.084480401843468) < 1e-12)
  }

  @Test func aSetIsAtDistanceZeroFromItselfAndAShiftAddsItsSquaredLength() {
    let (a, _) = referenceFeatures()
    let sa = GaussianStatistics(features: a)
    #expect(abs(frechetDistance(sa, sa)) < 1e-9)
    // Moving every vector by δ moves only the mean: the distance is ‖δ‖².
    let shift = Tensor((0..<16).map { 0.1 * Double($0 % 3) - 0.05 }, shape: [16], dtype: .float64)
    let expected = shift.toDoubles().reduce(0) { $0 + $1 * $1 }
    #expect(abs(frechetDistance(sa, GaussianStatistics(features: a + shift)) - expected) < 1e-9)
    // Symmetric in its two arguments, and float32 features give the same to float32 rounding.
    let sb = GaussianStatistics(features: referenceFeatures().b)
    #expect(abs(frechetDistance(sa, sb) - frechetDistance(sb, sa)) < 1e-9)
    #expect(abs(frechetDistance(GaussianStatistics(features: a.to(.float32)), sb) - frechetDistance(sa, sb)) < 1e-4)
  }

  @Test func twoGaussiansInClosedForm() {
    // N(0, diag(1, 4)) against N(0, diag(9, 1)): Tr = 1 + 4 + 9 + 1 − 2(√9 + √4) = 5.
    Tensor.withDefaultDType(.float64) {
      let s1 = GaussianStatistics(mean: Tensor([0.0, 0]), covariance: Tensor([1.0, 0, 0, 4], shape: [2, 2]), count: 2)
      let s2 = GaussianStatistics(mean: Tensor([0.0, 0]), covariance: Tensor([9.0, 0, 0, 1], shape: [2, 2]), count: 2)
      #expect(abs(frechetDistance(s1, s2) - 5) < 1e-12)
    }
  }

  @Test func inceptionScoreBounds() {
    // Confident and evenly spread over 4 classes: IS = 4. Every image the same: IS = 1.
    let confident = Tensor((0..<40).flatMap { i in (0..<4).map { $0 == i % 4 ? 1.0 : 0.0 } }, shape: [40, 4], dtype: .float64)
    let score = inceptionScore(probabilities: confident, splits: 2)
    #expect(abs(score.mean - 4) < 1e-12 && score.std < 1e-12)
    #expect(abs(inceptionScore(probabilities: Tensor.full([10, 4], 0.25, dtype: .float64), splits: 1).mean - 1) < 1e-12)
    // By hand: p(y|x) = (0.9, 0.1) and (0.1, 0.9), p(y) = (0.5, 0.5): KL = 0.9 ln 1.8 + 0.1 ln 0.2.
    let two = inceptionScore(probabilities: Tensor([0.9, 0.1, 0.1, 0.9], shape: [2, 2], dtype: .float64), splits: 1)
    #expect(abs(two.mean - exp(0.9 * log(1.8) + 0.1 * log(0.2))) < 1e-12)
  }

  static let fashionInstalled = (try? FashionMNIST(train: false, limit: 1)) != nil

  /// Noise and blur take images away from the real ones, and the distance must say so, step by
  /// step. A seeded untrained network is enough to see it (the trained one is the chapter's).
  @Test(.enabled(if: fashionInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func growsAsRealImagesAreNoisedOrBlurred() throws {
    let test = try FashionMNIST(train: false, limit: 600)
    let net = FashionFeatureNetwork(generator: Generator(seed: 3))
    let reference = test.images.narrow(axis: 0, start: 0, length: 300)
    let images = test.images.narrow(axis: 0, start: 300, length: 300)
    let real = GaussianStatistics(features: net.measure(reference).features)
    let g = Generator(seed: 5)
    let noise = Tensor.randn(images.shape, generator: g)
    let noised = [0.0, 0.1, 0.2, 0.4].map { sigma in
      frechetDistance(real, GaussianStatistics(features: net.measure((images + noise * sigma).clamp(min: 0, max: 1)).features))
    }
    #expect(zip(noised, noised.dropFirst()).allSatisfy { $0 < $1 }, "noised: \(noised)")
    var blurred = [frechetDistance(real, GaussianStatistics(features: net.measure(images).features))]
    var x = images
    for _ in 0..<2 {
      x = avgPool2d(x, kernelSize: 3, stride: 1, padding: 1)
      blurred.append(frechetDistance(real, GaussianStatistics(features: net.measure(x).features)))
    }
    #expect(zip(blurred, blurred.dropFirst()).allSatisfy { $0 < $1 }, "blurred: \(blurred)")
    // Two halves of the real test set are close: far below the most noised images.
    #expect(noised[0] < noised.last! / 10)
  }

  /// A checkpoint that cannot be read, or that holds another network, is never used: the network
  /// is trained again, with a note, and the new checkpoint is then read back as it was saved.
  @Test(.enabled(if: fashionInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func badCheckpointsAreRetrainedNeverUsed() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-features-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("features.safetensors").path
    let train = try FashionMNIST(train: true, limit: 256), test = try FashionMNIST(train: false, limit: 256)
    var notes: [String] = []
    try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: path))
    let first = try FashionFeatureNetwork.loadOrTrain(path: path, train: train, test: test, epochs: 1) { notes.append($0) }
    #expect(first.trained)
    #expect(notes.contains { $0.contains("cannot be used") })
    let again = try FashionFeatureNetwork.loadOrTrain(path: path, train: train, test: test, epochs: 1) { notes.append($0) }
    #expect(!again.trained && again.testAccuracy == first.testAccuracy)
    // The weights read back are the saved ones, bit for bit. (Features computed from them could
    // differ in the last bit: another test may change the thread count, and with it how a
    // convolution splits its batch, while this one runs.)
    let saved = first.network.stateDict(), loaded = again.network.stateDict()
    #expect(loaded.map(\.0) == saved.map(\.0))
    for ((name, a), (_, b)) in zip(loaded, saved) {
      #expect(a.toDoubles() == b.toDoubles(), "\(name) differs")
    }
    // The right tensors under another architecture's name: refused as well.
    try SafeTensors.write(first.network.stateDict(), to: path, metadata: ["architecture": "something else", "test_accuracy": "0.9"])
    notes = []
    #expect(try FashionFeatureNetwork.loadOrTrain(path: path, train: train, test: test, epochs: 1) { notes.append($0) }.trained)
    #expect(notes.contains { $0.contains("something else") })
  }
}
