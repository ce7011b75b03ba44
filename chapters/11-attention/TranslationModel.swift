import TorchlightNN

/// The three translators of the chapter.
enum TranslationModelKind: String, CaseIterable {
  case seq2seq, bahdanau, transformer

  init(_ part: Part) {
    switch part {
    case .bahdanau: self = .bahdanau
    case .transformer: self = .transformer
    default: self = .seq2seq
    }
  }
}

/// What a decoder carries from one step to the next while it generates: tensors with one row per
/// hypothesis along `batchAxes[i]` (a GRU's hidden state, the encoder's outputs, the tokens so
/// far). Beam search keeps some rows and repeats others with `selecting`.
struct DecoderState {
  var tensors: [Tensor]
  var batchAxes: [Int]

  /// The state of the hypotheses `rows` (int64 [B′]), in that order.
  func selecting(_ rows: Tensor) -> DecoderState {
    DecoderState(tensors: zip(tensors, batchAxes).map { $0.indexSelect(axis: $1, index: rows) }, batchAxes: batchAxes)
  }
}

/// An encoder–decoder for translation, as training, decoding and the figures use it.
///
/// Training scores only the positions that hold a real label: the decoder's outputs at padding
/// positions are dropped before the output layer, whose product and softmax over the whole
/// German vocabulary are most of the work (the loss is the same as with padding scored and
/// masked out, as d2l does it).
protocol TranslationModel: AnyObject {
  /// The layers (their parameters, and the switch between training and evaluation mode).
  var module: Module { get }

  /// Teacher forcing: the decoder's top-layer outputs [N, T, H] at every position of
  /// `decoderInput` ([N, T], `<bos>` and the target shifted right), for sources [N, S] with their
  /// valid lengths [N]. `outputLayer` turns them into scores of the next target token.
  func decoderOutputs(source: Tensor, sourceValidLengths: Tensor, decoderInput: Tensor) -> Tensor

  /// The Linear layer from decoder outputs to scores over the target vocabulary.
  var outputLayer: Linear { get }

  /// Encodes sources [B, S] for generation.
  func beginDecoding(source: Tensor, sourceValidLengths: Tensor) -> DecoderState

  /// One step of generation: the scores [B, V] of the token after `tokens` (int64 [B], the
  /// tokens just generated, `<bos>` at first), the new state, and the attention weights over the
  /// source [B, S] where the model has one (Bahdanau's).
  func decodeStep(_ tokens: Tensor, state: DecoderState) -> (scores: Tensor, state: DecoderState, attention: Tensor?)
}
