/// A TensorBoard file that cannot be written or read: one line saying which file and why.
public struct BoardError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}
