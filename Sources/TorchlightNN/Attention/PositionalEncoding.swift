import Foundation

/// Sinusoidal positional encoding as d2l writes it (`d2l.PositionalEncoding`, §11.6). Attention
/// alone ignores order, so a fixed table P [1, maxLen, numHiddens] is added to the inputs:
///
///     P[i, 2j] = sin(i / 10000^(2j/d)),   P[i, 2j+1] = cos(i / 10000^(2j/d)),
///
/// row i for position i, d = numHiddens. Each pair of columns is a rotation at its own
/// frequency, so the encoding of position i + δ is a linear function of that of i. Then dropout.
/// P is a constant: neither a parameter nor saved in the state dict (as in d2l).
public final class PositionalEncoding: Module {
  public let numHiddens: Int, maxLen: Int
  public let dropout: Dropout
  private let table: TensorSlot

  public init(numHiddens: Int, dropout: Double, maxLen: Int = 1000, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    precondition(numHiddens > 0 && maxLen > 0, "PositionalEncoding: numHiddens and maxLen must be positive, got \(numHiddens) and \(maxLen)")
    self.numHiddens = numHiddens; self.maxLen = maxLen
    self.dropout = Dropout(p: dropout, generator: generator)
    var values = [Double](repeating: 0, count: maxLen * numHiddens)
    for i in 0..<maxLen {
      for column in 0..<numHiddens {
        let angle = Double(i) / Foundation.pow(10000, Double(column - column % 2) / Double(numHiddens))
        values[i * numHiddens + column] = column % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle)
      }
    }
    table = TensorSlot(Tensor(values, shape: [1, maxLen, numHiddens], dtype: dtype))
  }

  /// The table P [1, maxLen, numHiddens] (d2l's `P`), for plotting.
  public var P: Tensor { table.value! }

  /// x [B, T, numHiddens] with T ≤ maxLen → dropout(x + P[:, :T, :]).
  public override func forward(_ x: Tensor) -> Tensor {
    guard x.rank == 3, x.shape[2] == numHiddens, x.shape[1] <= maxLen else {
      fatalError("PositionalEncoding(numHiddens: \(numHiddens), maxLen: \(maxLen)): expected input [B, T, \(numHiddens)] with T ≤ \(maxLen), got shape \(x.shape)")
    }
    return dropout(x + P.narrow(axis: 1, start: 0, length: x.shape[1]).to(x.dtype))
  }
}
