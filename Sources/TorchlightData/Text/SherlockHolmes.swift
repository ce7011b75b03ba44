import Foundation

/// *The Adventures of Sherlock Holmes* by Arthur Conan Doyle (Project Gutenberg e-book 1661),
/// the English text of the sequence-model chapters: twelve stories, about 562,000 characters or
/// 105,000 words once stripped.
///
/// Debian ships it as test data of the Go LZ4 library (package `golang-github-bkaradzic-go-lz4-dev`).
/// The folder holding `pg1661.txt` is `--data-dir`, else `$TORCHLIGHT_DATA`, else the package's.
/// `text` is the book alone: no byte-order mark, LF line ends, no Gutenberg header or licence.
public struct SherlockHolmes: Sendable {
  public static let fileName = "pg1661.txt"
  public static let defaultFolder = "/usr/share/gocode/src/github.com/bkaradzic/go-lz4/testdata"
  static let howToGet = "install it with `sudo apt-get install golang-github-bkaradzic-go-lz4-dev` (or `make setup`), or point --data-dir or TORCHLIGHT_DATA at a folder holding \(fileName)"

  /// The book, between Gutenberg's START and END markers.
  public let text: String
  /// The file it was read from.
  public let path: String

  /// The folder to read: the given one, `$TORCHLIGHT_DATA`, or Debian's.
  public static func folder(_ explicit: String?) -> String {
    explicit ?? ProcessInfo.processInfo.environment["TORCHLIGHT_DATA"] ?? defaultFolder
  }

  /// Reads and strips `pg1661.txt` from `folder` (see `folder(_:)`), or throws a `DataError`
  /// saying what to install or which folder to pass.
  public init(folder: String? = nil) throws {
    let dir = Self.folder(folder)
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isFolder) else {
      throw DataError("Sherlock Holmes: folder \(dir) does not exist; \(Self.howToGet)")
    }
    guard isFolder.boolValue else {
      throw DataError("Sherlock Holmes: \(dir) is not a folder; --data-dir and TORCHLIGHT_DATA name the folder that holds \(Self.fileName)")
    }
    let file = (dir as NSString).appendingPathComponent(Self.fileName)
    guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
      throw DataError("Sherlock Holmes: \(Self.fileName) is missing from \(dir); \(Self.howToGet)")
    }
    guard !isFolder.boolValue else {
      throw DataError("Sherlock Holmes: \(file) is a folder, not the text file; \(Self.howToGet)")
    }
    guard let data = FileManager.default.contents(atPath: file) else {
      throw DataError("Sherlock Holmes: cannot read \(file); check its permissions")
    }
    text = try ProjectGutenberg.bookText([UInt8](data), source: file)
    path = file
  }
}
