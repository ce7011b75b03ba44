import Foundation
import TorchlightNN

/// The Transformer encoder–decoder of d2l §11.7 from the library's `Transformer` (PyTorch's
/// `nn.Transformer`: post-norm layers, ReLU feed-forward, a final layer norm after each stack):
/// token embeddings scaled by √d plus the sinusoidal positional encoding go into the encoder;
/// the decoder reads the target shifted right the same way, with causal self-attention, and
/// attends to the encoder's output; a Linear layer scores the next token.
///
/// Masks: the encoder's self-attention and the decoder's attention to the source leave out the
/// source's padding (key padding masks from the valid lengths); the decoder's self-attention lets
/// position t see positions 0…t only, so that in training, where the whole target is fed at
/// once, no position can read the token it must predict.
final class TransformerModel: Module, TranslationModel {
  let sourceEmbedding: Embedding, targetEmbedding: Embedding
  let sourcePositions: PositionalEncoding, targetPositions: PositionalEncoding
  let transformer: Transformer
  let dense: Linear
  let scale: Double

  init(_ sizes: ModelSizes, generator: Generator) {
    let d = sizes.hiddens
    sourceEmbedding = Embedding(numEmbeddings: sizes.sourceVocabulary, embeddingDim: d, generator: generator)
    targetEmbedding = Embedding(numEmbeddings: sizes.targetVocabulary, embeddingDim: d, generator: generator)
    sourcePositions = PositionalEncoding(numHiddens: d, dropout: sizes.dropout, generator: generator)
    targetPositions = PositionalEncoding(numHiddens: d, dropout: sizes.dropout, generator: generator)
    transformer = Transformer(dModel: d, nhead: sizes.heads, numEncoderLayers: sizes.layers, numDecoderLayers: sizes.layers,
                              dimFeedforward: sizes.feedForward, dropout: sizes.dropout, batchFirst: true, generator: generator)
    dense = Linear(inFeatures: d, outFeatures: sizes.targetVocabulary, generator: generator)
    scale = Double(d).squareRoot()
    super.init()
    // d2l multiplies N(0, 1) embeddings by √d, which leaves the positional encoding (entries in
    // [−1, 1]) 16 times smaller than the words at d = 256. Starting the embeddings at N(0, 1/d),
    // as the Transformer paper's shared embeddings do, puts words and positions on one scale.
    for embedding in [sourceEmbedding, targetEmbedding] {
      _ = Init.normal(embedding.weight, std: 1 / scale, generator: generator)
    }
  }

  var module: Module { self }
  var outputLayer: Linear { dense }

  /// The encoder's output [N, S, d] and the source's key padding mask [N, S].
  func encode(_ source: Tensor, validLengths: Tensor) -> (memory: Tensor, padding: Tensor) {
    let padding = paddingMask(validLengths: validLengths, length: source.shape[1])
    let x = sourcePositions(sourceEmbedding(source) * scale)
    return (transformer.encoder(x, srcKeyPaddingMask: padding), padding)
  }

  /// The decoder's outputs [N, T, d] for decoder inputs [N, T]: position t sees inputs 0…t only.
  func decode(_ inputs: Tensor, memory: Tensor, padding: Tensor) -> Tensor {
    let y = targetPositions(targetEmbedding(inputs) * scale)
    let causal = Transformer.generateSquareSubsequentMask(inputs.shape[1])
    return transformer.decoder(y, memory, tgtMask: causal, memoryKeyPaddingMask: padding)
  }

  func decoderOutputs(source: Tensor, sourceValidLengths: Tensor, decoderInput: Tensor) -> Tensor {
    let (memory, padding) = encode(source, validLengths: sourceValidLengths)
    return decode(decoderInput, memory: memory, padding: padding)
  }

  /// The state: the encoder's output, the padding mask, and the tokens generated so far, which
  /// the decoder reads again at every step (a Transformer decoder looks back at all of them).
  func beginDecoding(source: Tensor, sourceValidLengths: Tensor) -> DecoderState {
    let (memory, padding) = encode(source, validLengths: sourceValidLengths)
    return DecoderState(tensors: [memory, padding, Tensor.zeros([source.shape[0], 0], dtype: .int64)], batchAxes: [0, 0, 0])
  }

  func decodeStep(_ tokens: Tensor, state: DecoderState) -> (scores: Tensor, state: DecoderState, attention: Tensor?) {
    let s = state.tensors
    let inputs = Tensor.cat([s[2], tokens.unsqueezed(axis: 1)], axis: 1)
    let outputs = decode(inputs, memory: s[0], padding: s[1])
    return (dense(outputs.select(axis: 1, index: inputs.shape[1] - 1)), DecoderState(tensors: [s[0], s[1], inputs], batchAxes: state.batchAxes), nil)
  }

  /// The attention weights per head of every encoder layer's self-attention [heads, S, S] and of
  /// every decoder layer's attention to the source [heads, T, S], for one source [1, S] and the
  /// decoder inputs [1, T] (in evaluation mode). The layers are run one at a time, as
  /// `Transformer` runs them, asking each attention for its weights.
  func attentionWeights(source: Tensor, validLengths: Tensor, decoderInput: Tensor) -> (encoder: [Tensor], cross: [Tensor]) {
    withNoGrad {
      let padding = paddingMask(validLengths: validLengths, length: source.shape[1])
      var x = sourcePositions(sourceEmbedding(source) * scale)
      var encoderWeights: [Tensor] = []
      for layer in transformer.encoder.layers {
        let w = layer.selfAttn(x, x, x, keyPaddingMask: padding, averageAttnWeights: false).weights!
        encoderWeights.append(w.squeezed(axis: 0))
        x = layer(x, srcKeyPaddingMask: padding)
      }
      let memory = transformer.encoder.norm.map { $0(x) } ?? x
      var y = targetPositions(targetEmbedding(decoderInput) * scale)
      let causal = Transformer.generateSquareSubsequentMask(decoderInput.shape[1])
      var crossWeights: [Tensor] = []
      for layer in transformer.decoder.layers {
        // Post-norm: the attention to the source reads norm1(y + SelfAttention(y)).
        let afterSelf = layer.norm1(y + layer.selfAttn(y, y, y, needWeights: false, attnMask: causal).output)
        let w = layer.multiheadAttn(afterSelf, memory, memory, keyPaddingMask: padding, averageAttnWeights: false).weights!
        crossWeights.append(w.squeezed(axis: 0))
        y = layer(y, memory, tgtMask: causal, memoryKeyPaddingMask: padding)
      }
      return (encoderWeights, crossWeights)
    }
  }
}
