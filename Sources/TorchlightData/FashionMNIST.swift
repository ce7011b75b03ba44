import Foundation

/// Fashion-MNIST: 28×28 grayscale pictures of clothing in 10 classes, 60,000 for training and
/// 10,000 for testing, read from the IDX files of Debian's `dataset-fashion-mnist` package.
///
/// Images come as float32 `[N, 1, 28, 28]` scaled to [0, 1] (torchvision's `ToTensor`), labels as
/// int64 `[N]`. The data folder is `--data-dir`, else `$TORCHLIGHT_DATA`, else the package's.
public struct FashionMNIST: BatchDataset {
  public static let classNames = ["t-shirt", "trouser", "pullover", "dress", "coat",
                                  "sandal", "shirt", "sneaker", "bag", "ankle boot"]
  public static let defaultFolder = "/usr/share/datasets/fashion-mnist"
  static let howToGet = "install it with `sudo apt-get install dataset-fashion-mnist` (or `make setup`), or point --data-dir or TORCHLIGHT_DATA at a folder holding the four Fashion-MNIST .gz files"

  public let images: Tensor
  public let labels: Tensor
  public let isTraining: Bool

  /// The folder to read: the given one, `$TORCHLIGHT_DATA`, or Debian's.
  public static func folder(_ explicit: String?) -> String {
    explicit ?? ProcessInfo.processInfo.environment["TORCHLIGHT_DATA"] ?? defaultFolder
  }

  /// Loads the training or the test split, checking both files; `limit` keeps the first examples.
  public init(train: Bool, folder: String? = nil, limit: Int? = nil) throws {
    let dir = Self.folder(folder)
    let prefix = train ? "train" : "t10k"
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isFolder) else {
      throw DataError("Fashion-MNIST: folder \(dir) does not exist; \(Self.howToGet)")
    }
    guard isFolder.boolValue else {
      throw DataError("Fashion-MNIST: \(dir) is not a folder; --data-dir and TORCHLIGHT_DATA name the folder that holds the .gz files")
    }
    func locate(_ name: String) throws -> String {
      for candidate in ["\(dir)/\(name).gz", "\(dir)/\(name)"]
      where FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder) {
        guard !isFolder.boolValue else { throw DataError("Fashion-MNIST: \(candidate) is a directory, not a data file; \(Self.howToGet)") }
        return candidate
      }
      throw DataError("Fashion-MNIST: \(name).gz is missing from \(dir); \(Self.howToGet)")
    }
    let imagePath = try locate("\(prefix)-images-idx3-ubyte")
    let imageFile = try IDX.read(imagePath, expectedAxes: 3)
    let labelFile = try IDX.read(try locate("\(prefix)-labels-idx1-ubyte"), expectedAxes: 1)
    guard imageFile.shape[0] > 0 else {
      throw DataError("Fashion-MNIST: \(imagePath) holds no examples (its header says 0 images); reinstall the data or point --data-dir elsewhere")
    }
    guard imageFile.shape[1] == 28, imageFile.shape[2] == 28 else {
      throw DataError("Fashion-MNIST: \(prefix) images are \(imageFile.shape[1])×\(imageFile.shape[2]), expected 28×28")
    }
    guard imageFile.shape[0] == labelFile.shape[0] else {
      throw DataError("Fashion-MNIST: \(imageFile.shape[0]) \(prefix) images but \(labelFile.shape[0]) labels; one of the files is from another data set")
    }
    if let bad = labelFile.values.first(where: { $0 > 9 }) {
      throw DataError("Fashion-MNIST: \(prefix) labels contain \(bad), outside 0…9; the label file is damaged or from another data set")
    }
    let n = min(limit ?? Int.max, imageFile.shape[0])
    // Bytes 0…255 become floats in [0, 1], written straight into the tensor.
    images = Tensor(shape: [n, 1, 28, 28], of: Float.self) { pixels in
      imageFile.values.withUnsafeBufferPointer { bytes in
        for i in pixels.indices { pixels[i] = Float(bytes[i]) / 255 }
      }
    }
    labels = Tensor(labelFile.values.prefix(n).map { Int64($0) }, shape: [n])
    isTraining = train
  }

  public var count: Int { images.shape[0] }
  public subscript(index: Int) -> (input: Tensor, label: Tensor) { (images[index], labels[index]) }

  public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
    TensorDataset(inputs: images, labels: labels).batch(at: indices)
  }
}
