/// A problem with a data file or folder, said in one line: which file, what is wrong, and how to
/// fix it. Chapters print it and exit with status 1.
public struct DataError: Error, CustomStringConvertible, Equatable {
  public let description: String
  public init(_ description: String) { self.description = description }
}
