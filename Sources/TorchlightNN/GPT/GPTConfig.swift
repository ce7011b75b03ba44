/// The shape of a GPT (`GPTConfig` in most PyTorch implementations): how many tokens it knows,
/// how far back it can look, and how wide and deep it is.
///
/// nanoGPT's CPU recipe for characters is `GPTConfig(vocabSize: V, blockSize: 64, nLayer: 4,
/// nHead: 4, nEmbd: 128)`: about 0.8 million parameters.
public struct GPTConfig: Sendable, Equatable {
  /// Number of distinct tokens: rows of the token embedding, columns of the logits.
  public var vocabSize: Int
  /// Longest context: rows of the position table. Position p ∈ 0..<blockSize has its own vector.
  public var blockSize: Int
  /// Transformer blocks, one after another.
  public var nLayer: Int
  /// Attention heads per block; each gets nEmbd / nHead features.
  public var nHead: Int
  /// Width of the residual stream (the embedding size).
  public var nEmbd: Int
  /// Dropout after the embeddings, on the attention weights and on each residual branch, in training mode.
  public var dropout: Double
  /// Biases in the linear layers (LayerNorm always has its β).
  public var bias: Bool
  /// The output layer reuses the token embedding matrix (logits = h Eᵀ) instead of its own weights.
  public var tieWeights: Bool

  public init(vocabSize: Int, blockSize: Int, nLayer: Int, nHead: Int, nEmbd: Int, dropout: Double = 0,
              bias: Bool = true, tieWeights: Bool = true) {
    (self.vocabSize, self.blockSize, self.nLayer, self.nHead, self.nEmbd) = (vocabSize, blockSize, nLayer, nHead, nEmbd)
    (self.dropout, self.bias, self.tieWeights) = (dropout, bias, tieWeights)
  }

  /// Features per head.
  public var headSize: Int { nEmbd / nHead }

  /// Stops with a message naming the bad field (a programmer error: chapters check user input first).
  func check() {
    guard vocabSize > 0, blockSize > 0, nLayer > 0, nHead > 0, nEmbd > 0 else {
      fatalError("GPT: every size must be positive, got \(self)")
    }
    guard nEmbd % nHead == 0 else {
      fatalError("GPT: nEmbd \(nEmbd) must be divisible by nHead \(nHead) (each head gets nEmbd / nHead features)")
    }
    guard (0..<1).contains(dropout) else { fatalError("GPT: dropout must lie in [0, 1), got \(dropout)") }
  }
}
