/// Additive (Bahdanau) attention as d2l writes it (`d2l.AdditiveAttention`, §11.3): a one-hidden-
/// layer network scores each query–key pair,
///
///     score(q, k) = w_vᵀ tanh(W_q q + W_k k),
///
/// so queries and keys may have different sizes. Then weights = maskedSoftmax(scores, validLens)
/// and output = dropout(weights)·V. The parameters keep the book's names, `W_q.weight` [h, q],
/// `W_k.weight` [h, k] and `w_v.weight` [1, h], none with a bias.
public final class AdditiveAttention: Module {
  public let W_k: Linear
  public let W_q: Linear
  public let w_v: Linear
  public let dropout: Dropout
  private let lastWeights = TensorSlot()

  /// Scores with `numHiddens` hidden units; PyTorch's default Linear initialisation.
  public init(keySize: Int, querySize: Int, numHiddens: Int, dropout: Double, dtype: DType = Tensor.defaultDType,
              generator: Generator? = nil) {
    W_k = Linear(inFeatures: keySize, outFeatures: numHiddens, bias: false, dtype: dtype, generator: generator)
    W_q = Linear(inFeatures: querySize, outFeatures: numHiddens, bias: false, dtype: dtype, generator: generator)
    w_v = Linear(inFeatures: numHiddens, outFeatures: 1, bias: false, dtype: dtype, generator: generator)
    self.dropout = Dropout(p: dropout, generator: generator)
  }

  /// The weights of the last forward pass [B, Q, K], before dropout and detached, for plotting.
  public var attentionWeights: Tensor? { lastWeights.value }

  /// queries [B, Q, querySize], keys [B, K, keySize], values [B, K, v] → [B, Q, v].
  public func callAsFunction(_ queries: Tensor, _ keys: Tensor, _ values: Tensor, validLens: Tensor? = nil) -> Tensor {
    forward(queries: queries, keys: keys, values: values, validLens: validLens)
  }

  public func forward(queries: Tensor, keys: Tensor, values: Tensor, validLens: Tensor? = nil) -> Tensor {
    guard queries.rank == 3, keys.rank == 3, values.rank == 3,
          queries.shape[2] == W_q.inFeatures, keys.shape[2] == W_k.inFeatures,
          queries.shape[0] == keys.shape[0], keys.shape[0] == values.shape[0], keys.shape[1] == values.shape[1] else {
      fatalError("AdditiveAttention(keySize: \(W_k.inFeatures), querySize: \(W_q.inFeatures)): expected queries [B, Q, \(W_q.inFeatures)], keys [B, K, \(W_k.inFeatures)] and values [B, K, v], got \(queries.shape), \(keys.shape) and \(values.shape)")
    }
    // Every query against every key: [B, Q, 1, h] + [B, 1, K, h] → [B, Q, K, h].
    let features = (W_q(queries).unsqueezed(axis: 2) + W_k(keys).unsqueezed(axis: 1)).tanh()
    let scores = w_v(features).squeezed(axis: -1)   // [B, Q, K]
    let weights = maskedSoftmax(scores, validLens: validLens)
    lastWeights.value = weights.detached()
    return dropout(weights).matmul(values)
  }

  public override func forward(_ input: Tensor) -> Tensor {
    fatalError("AdditiveAttention takes queries, keys and values: call attention(queries, keys, values, validLens:)")
  }
}
