import Foundation
import Testing
@testable import TorchlightData

func dataFolder(_ name: String) -> String {
  let path = NSTemporaryDirectory() + "torchlight-data-\(name)-\(UUID().uuidString.prefix(8))"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Writes a small Fashion-MNIST-shaped split: `n` images whose pixels encode their index, labels i % 10.
func writeSplit(_ folder: String, prefix: String, n: Int, imageBytes: [UInt8]? = nil, labelBytes: [UInt8]? = nil) throws {
  let pixels = (0..<(n * 784)).map { UInt8(($0 / 784 + $0 % 784) % 256) }
  try IDX.writeGzip(imageBytes ?? IDX.encode(shape: [n, 28, 28], values: pixels), to: "\(folder)/\(prefix)-images-idx3-ubyte.gz")
  try IDX.writeGzip(labelBytes ?? IDX.encode(shape: [n], values: (0..<n).map { UInt8($0 % 10) }), to: "\(folder)/\(prefix)-labels-idx1-ubyte.gz")
}

func expectDataError(_ expectedFragments: [String], _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
  do {
    try body()
    #expect(Bool(false), "expected a DataError", sourceLocation: sourceLocation)
  } catch let error as DataError {
    for fragment in expectedFragments {
      #expect(error.description.contains(fragment), "'\(error)' does not mention '\(fragment)'", sourceLocation: sourceLocation)
    }
    #expect(!error.description.contains("\n"), "one line only", sourceLocation: sourceLocation)
  } catch {
    #expect(Bool(false), "unexpected error \(error)", sourceLocation: sourceLocation)
  }
}

@Suite("IDX files") struct IDXTests {
  @Test func roundTripThroughGzip() throws {
    let folder = dataFolder("idx")
    try IDX.writeGzip(IDX.encode(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), to: "\(folder)/a.gz")
    let (shape, values) = try IDX.read("\(folder)/a.gz", expectedAxes: 2)
    #expect(shape == [2, 3] && Array(values) == [1, 2, 3, 4, 5, 6])
  }

  @Test func brokenFilesAreNamedAndExplained() throws {
    let good = IDX.encode(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
    expectDataError(["x.idx", "magic"]) { _ = try IDX.parse([0, 0, 9, 2] + good.dropFirst(4), expectedAxes: 2, name: "x.idx") }
    expectDataError(["x.idx", "3 axes", "expected 2"]) { _ = try IDX.parse(IDX.encode(shape: [1, 2, 3], values: [1, 2, 3, 4, 5, 6]), expectedAxes: 2, name: "x.idx") }
    expectDataError(["x.idx", "truncated", "6 values", "holds 4"]) { _ = try IDX.parse(Array(good.dropLast(2)), expectedAxes: 2, name: "x.idx") }
    expectDataError(["x.idx", "longer"]) { _ = try IDX.parse(good + [7], expectedAxes: 2, name: "x.idx") }
    expectDataError(["x.idx", "too short"]) { _ = try IDX.parse([0, 0], expectedAxes: 2, name: "x.idx") }
    // Sizes of 2³² − 1 multiply past Int.max at the second axis: an error, not a trap.
    let huge: [UInt8] = [0, 0, 8, 3] + Array(repeating: 0xFF, count: 12)
    expectDataError(["x.idx", "impossible header", "axis 1"]) { _ = try IDX.parse(huge, expectedAxes: 3, name: "x.idx") }
    let folder = dataFolder("corrupt")
    // A gzip header followed by garbage.
    try Data([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03] + (0..<200).map { UInt8(($0 * 37) % 251) }).write(to: URL(fileURLWithPath: "\(folder)/bad.gz"))
    expectDataError(["bad.gz", "gzip"]) { _ = try IDX.read("\(folder)/bad.gz", expectedAxes: 2) }
    expectDataError(["missing.gz", "no such file"]) { _ = try IDX.read("\(folder)/missing.gz", expectedAxes: 2) }
  }
}

@Suite("Fashion-MNIST") struct FashionMNISTTests {
  @Test func loadsGeneratedFilesScaledToUnitRange() throws {
    let folder = dataFolder("fmnist")
    try writeSplit(folder, prefix: "t10k", n: 12)
    let test = try FashionMNIST(train: false, folder: folder)
    #expect(test.count == 12 && test.images.shape == [12, 1, 28, 28] && test.labels.dtype == .int64)
    #expect(test.labels.toArray(Int64.self) == (0..<12).map { Int64($0 % 10) })
    #expect(Swift.abs(test.images[3, 0, 0, 5].item() - Double((3 + 5) % 256) / 255) < 1e-6)
    #expect(test.images.max().item() <= 1 && test.images.min().item() >= 0)
    #expect(try FashionMNIST(train: false, folder: folder, limit: 5).count == 5)
    #expect(FashionMNIST.classNames.count == 10 && FashionMNIST.classNames[9] == "ankle boot")
  }

  @Test func missingOrBrokenDataSaysWhatToDo() throws {
    expectDataError(["does not exist", "apt-get install dataset-fashion-mnist", "--data-dir"]) {
      _ = try FashionMNIST(train: true, folder: "/nonexistent/folder")
    }
    let folder = dataFolder("broken")
    expectDataError(["train-images-idx3-ubyte.gz is missing", "TORCHLIGHT_DATA"]) { _ = try FashionMNIST(train: true, folder: folder) }
    let holder = dataFolder("holder")
    try FileManager.default.createDirectory(atPath: holder + "/train-images-idx3-ubyte.gz", withIntermediateDirectories: true)
    expectDataError(["train-images-idx3-ubyte.gz is a directory, not a data file"]) { _ = try FashionMNIST(train: true, folder: holder) }
    let pixels = [UInt8](repeating: 1, count: 3 * 784)
    try writeSplit(folder, prefix: "train", n: 3, imageBytes: Array(IDX.encode(shape: [3, 28, 28], values: pixels).dropLast(100)))
    expectDataError(["train-images-idx3-ubyte.gz", "truncated"]) { _ = try FashionMNIST(train: true, folder: folder) }
    try writeSplit(folder, prefix: "train", n: 3, labelBytes: IDX.encode(shape: [2], values: [1, 2]))
    expectDataError(["3 train images but 2 labels"]) { _ = try FashionMNIST(train: true, folder: folder) }
    try writeSplit(folder, prefix: "train", n: 3, labelBytes: IDX.encode(shape: [3], values: [1, 12, 2]))
    expectDataError(["12", "outside 0…9"]) { _ = try FashionMNIST(train: true, folder: folder) }
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultFolder + "/t10k-labels-idx1-ubyte.gz"),
                 "Debian's dataset-fashion-mnist is not installed (make setup installs it)"))
  func theRealDataSetWhenInstalled() throws {
    let test = try FashionMNIST(train: false)
    #expect(test.count == 10_000)
    let counts = (0..<10).map { c in (test.labels .== Double(c)).sum().item() }
    #expect(counts.allSatisfy { $0 == 1000 }, "the test set has 1000 images of each class")
  }
}

@Suite("Datasets and loaders") struct LoaderTests {
  let data = TensorDataset(inputs: Tensor.arange(10).float().view(10, 1), labels: Tensor.arange(10))

  @Test func batchesCoverTheDataInOrderWithoutShuffling() {
    let loader = DataLoader(data, batchSize: 4)
    #expect(loader.count == 3)
    let batches = Array(loader)
    #expect(batches.map { $0.labels.toArray(Int64.self) } == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    #expect(batches[0].inputs.shape == [4, 1])
    let dropping = DataLoader(data, batchSize: 4, dropLast: true)
    #expect(dropping.count == 2 && Array(dropping).count == 2)
  }

  @Test func shufflingIsSeededAndRedrawnEachEpoch() {
    let loader = DataLoader(data, batchSize: 10, shuffle: true, generator: Generator(seed: 1))
    let first = Array(loader)[0].labels.toArray(Int64.self), second = Array(loader)[0].labels.toArray(Int64.self)
    #expect(first != second, "a new order every epoch")
    #expect(first.sorted() == Array(0..<10) && second.sorted() == Array(0..<10))
    let again = DataLoader(data, batchSize: 10, shuffle: true, generator: Generator(seed: 1))
    #expect(Array(again)[0].labels.toArray(Int64.self) == first, "the same seed gives the same order")
  }

  @Test func prefetchingNeverChangesTheBatches() {
    let flip = RandomHorizontalFlip(p: 0.5)
    let images = TensorDataset(inputs: Tensor.arange(4 * 2 * 3).float().view(4, 1, 2, 3), labels: Tensor.arange(4))
    func epochs(prefetch: Bool) -> [[Double]] {
      let g = Generator(seed: 3)
      let loader = DataLoader(images, batchSize: 2, shuffle: true, prefetch: prefetch, generator: Generator(seed: 2)) {
        (flip($0.inputs, generator: g), $0.labels)
      }
      return (0..<3).flatMap { _ in loader.map { $0.inputs.toDoubles() + $0.labels.toDoubles() } }
    }
    #expect(epochs(prefetch: true) == epochs(prefetch: false))
  }

  @Test func anEpochLeftEarlyDoesNotHang() {
    let loader = DataLoader(data, batchSize: 2)
    for (i, _) in loader.enumerated() where i == 1 { break }
    #expect(Array(loader).count == 5)
  }

  @Test func customCollateAndPerExampleDatasets() {
    struct Squares: Dataset {
      var count: Int { 5 }
      subscript(index: Int) -> Int { index * index }
    }
    let loader = DataLoader(Squares(), batchSize: 2) { (xs: [Int]) in xs.reduce(0, +) }
    #expect(Array(loader) == [1, 13, 16])
    let pairs = DataLoader(Subset(data, indices: [9, 3]), batchSize: 2)
    #expect(Array(pairs)[0].labels.toArray(Int64.self) == [9, 3])
    struct Pairs: Dataset {
      var count: Int { 3 }
      subscript(index: Int) -> (input: Tensor, label: Tensor) { (Tensor([Double(index), 0]), Tensor(Int64(index))) }
    }
    let stacked = Array(DataLoader(Pairs(), batchSize: 3, collate: stackExamples))[0]
    #expect(stacked.inputs.shape == [3, 2] && stacked.labels.toArray(Int64.self) == [0, 1, 2])
  }

  @Test func randomSplitIsADisjointCover() {
    let parts = randomSplit(data, sizes: [7, 3], generator: Generator(seed: 4))
    #expect(parts.map(\.count) == [7, 3])
    #expect(Set(parts[0].indices).isDisjoint(with: parts[1].indices))
    #expect(Set(parts[0].indices + parts[1].indices) == Set(0..<10))
    #expect(parts[1].batch(at: [0]).labels.toArray(Int64.self) == [Int64(parts[1].indices[0])])
  }
}

@Suite("Transforms") struct TransformTests {
  let image = Tensor([[0.0, 1], [2, 3]]).view(1, 1, 2, 2)

  @Test func normalizeIsPerChannel() {
    let x = Tensor.ones([2, 2, 1, 1])
    let y = Normalize(mean: [0.5, 1], std: [0.5, 2])(x, generator: Generator(seed: 0))
    #expect(y.toDoubles() == [1, 0, 1, 0])
  }

  @Test func flipAndCrop() {
    let g = Generator(seed: 0)
    #expect(RandomHorizontalFlip(p: 1)(image, generator: g).toDoubles() == [1, 0, 3, 2])
    #expect(RandomHorizontalFlip(p: 0)(image, generator: g).toDoubles() == [0, 1, 2, 3])
    let crop = RandomCrop(size: 2, padding: 1)(Tensor.ones([50, 1, 2, 2]), generator: g)
    #expect(crop.shape == [50, 1, 2, 2])
    let sums = crop.sum(axes: [1, 2, 3]).toDoubles()
    #expect(Set(sums).isSubset(of: [1, 2, 4]) && Set(sums).count > 1, "windows land at different shifts")
    #expect(ToFloat()(Tensor([255, 0]), generator: g).toDoubles() == [1, 0])
    #expect(Compose([ToFloat(scale: 2), ToFloat(scale: 3)])(Tensor([1]), generator: g).toDoubles() == [6])
  }

  @Test func resizeNearestAndBilinearMatchPyTorch() {
    let g = Generator(seed: 0)
    #expect(Resize(height: 4, width: 4, mode: .nearest)(image, generator: g).toDoubles()
            == [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3])
    // F.interpolate(x, size=4, mode='bilinear', align_corners=False) on [[0, 1], [2, 3]]:
    let expected: [Double] = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]
    let bilinear = Resize(height: 4, width: 4)(image, generator: g).toDoubles()
    #expect(zip(bilinear, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 }, "\(bilinear)")
  }
}
