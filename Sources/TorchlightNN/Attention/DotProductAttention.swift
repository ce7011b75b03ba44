/// Scaled dot-product attention as d2l writes it (`d2l.DotProductAttention`, §11.3):
/// score(q, k) = q·k/√d, weights = maskedSoftmax(scores, validLens), output = dropout(weights)·V.
/// It has no parameters: queries and keys must already have the same size d.
public final class DotProductAttention: Module {
  /// Dropout on the attention weights, active in training mode.
  public let dropout: Dropout
  private let lastWeights = TensorSlot()

  public init(dropout: Double, generator: Generator? = nil) {
    self.dropout = Dropout(p: dropout, generator: generator)
  }

  /// The weights of the last forward pass [B, Q, K], before dropout and detached, for plotting
  /// (d2l's `attention_weights`).
  public var attentionWeights: Tensor? { lastWeights.value }

  /// queries [B, Q, d], keys [B, K, d], values [B, K, v] → [B, Q, v]. `validLens` [B] or [B, Q]
  /// limits each query to the first keys (see `maskedSoftmax(_:validLens:)`).
  public func callAsFunction(_ queries: Tensor, _ keys: Tensor, _ values: Tensor, validLens: Tensor? = nil) -> Tensor {
    forward(queries: queries, keys: keys, values: values, validLens: validLens)
  }

  public func forward(queries: Tensor, keys: Tensor, values: Tensor, validLens: Tensor? = nil) -> Tensor {
    guard queries.rank >= 2, keys.rank == queries.rank, values.rank == queries.rank,
          queries.shape[queries.rank - 1] == keys.shape[keys.rank - 1],
          keys.shape[keys.rank - 2] == values.shape[values.rank - 2] else {
      fatalError("DotProductAttention: expected queries [B, Q, d], keys [B, K, d] and values [B, K, v], got \(queries.shape), \(keys.shape) and \(values.shape)")
    }
    let d = Double(queries.shape[queries.rank - 1])
    let scores = queries.matmul(keys.transposed(-2, -1)) / d.squareRoot()
    let weights = maskedSoftmax(scores, validLens: validLens)
    lastWeights.value = weights.detached()
    return dropout(weights).matmul(values)
  }

  public override func forward(_ input: Tensor) -> Tensor {
    fatalError("DotProductAttention takes queries, keys and values: call attention(queries, keys, values, validLens:)")
  }
}
