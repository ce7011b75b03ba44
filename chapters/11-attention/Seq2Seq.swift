import TorchlightNN

/// Sizes shared by the translators.
struct ModelSizes {
  var sourceVocabulary: Int, targetVocabulary: Int
  var hiddens: Int, layers: Int, heads: Int, dropout: Double
  /// The Transformer's feed-forward width.
  var feedForward: Int { 2 * hiddens }
}

/// d2l's initialisation of the RNN encoder–decoders (`init_seq2seq`): Xavier-uniform for the
/// weight matrices of every GRU and Linear layer (the attention's too), the defaults for the rest.
func xavierInitialise(_ module: Module, generator: Generator) {
  for layer in module.modules() {
    if let gru = layer as? GRU {
      for w in gru.weights.flatMap({ $0 }) { _ = Init.xavierUniform(w.weightIH, generator: generator); _ = Init.xavierUniform(w.weightHH, generator: generator) }
    } else if let linear = layer as? Linear {
      _ = Init.xavierUniform(linear.weight, generator: generator)
    }
  }
}

/// The RNN encoder (d2l §10.7.2): embeddings, then a multi-layer GRU over the source. Its
/// outputs are the last layer's states at every step [S, N, H]; its state the final state of every
/// layer [L, N, H]. Padding is read like any token (as in d2l): the valid lengths matter only to
/// the attention that reads the outputs.
final class GRUEncoder: Module {
  let embedding: Embedding
  let rnn: GRU

  init(_ sizes: ModelSizes, generator: Generator) {
    embedding = Embedding(numEmbeddings: sizes.sourceVocabulary, embeddingDim: sizes.hiddens, generator: generator)
    rnn = GRU(inputSize: sizes.hiddens, hiddenSize: sizes.hiddens, numLayers: sizes.layers, dropout: sizes.dropout, generator: generator)
  }

  func callAsFunction(_ source: Tensor) -> (outputs: Tensor, state: Tensor) {
    let embeddings = embedding(source.transposed(0, 1))   // [S, N, E]
    let (outputs, state) = rnn(embeddings)
    return (outputs, state)
  }
}

/// The RNN decoder (d2l §10.7.3): starts from the encoder's final state, and reads at every step
/// the previous target token's embedding joined with the context c, the encoder's last-layer
/// final state, the same at every step. A Linear layer scores the next token.
final class Seq2SeqDecoder: Module {
  let embedding: Embedding
  let rnn: GRU
  let dense: Linear

  init(_ sizes: ModelSizes, generator: Generator) {
    embedding = Embedding(numEmbeddings: sizes.targetVocabulary, embeddingDim: sizes.hiddens, generator: generator)
    rnn = GRU(inputSize: 2 * sizes.hiddens, hiddenSize: sizes.hiddens, numLayers: sizes.layers, dropout: sizes.dropout, generator: generator)
    dense = Linear(inFeatures: sizes.hiddens, outFeatures: sizes.targetVocabulary, generator: generator)
  }

  /// inputs [N, T], state [L, N, H], context [N, H] → the top layer's outputs [N, T, H] (scores
  /// come from `dense`) and the new state.
  func callAsFunction(_ inputs: Tensor, state: Tensor, context: Tensor) -> (outputs: Tensor, state: Tensor) {
    let embeddings = embedding(inputs.transposed(0, 1))                    // [T, N, E]
    let steps = embeddings.shape[0]
    let contexts = context.unsqueezed(axis: 0).expanded([steps] + context.shape)
    let (outputs, newState) = rnn(Tensor.cat([embeddings, contexts], axis: 2), h0: state)
    return (outputs.transposed(0, 1), newState)
  }
}

/// The RNN encoder–decoder of d2l §10.7, without attention: the whole source reaches the decoder
/// through one vector per layer.
final class Seq2SeqModel: Module, TranslationModel {
  let encoder: GRUEncoder
  let decoder: Seq2SeqDecoder

  init(_ sizes: ModelSizes, generator: Generator) {
    encoder = GRUEncoder(sizes, generator: generator)
    decoder = Seq2SeqDecoder(sizes, generator: generator)
    super.init()
    xavierInitialise(self, generator: generator)
  }

  var module: Module { self }
  var outputLayer: Linear { decoder.dense }

  func decoderOutputs(source: Tensor, sourceValidLengths: Tensor, decoderInput: Tensor) -> Tensor {
    let (_, state) = encoder(source)
    return decoder(decoderInput, state: state, context: state.select(axis: 0, index: state.shape[0] - 1)).outputs
  }

  func beginDecoding(source: Tensor, sourceValidLengths: Tensor) -> DecoderState {
    let (_, state) = encoder(source)
    return DecoderState(tensors: [state, state.select(axis: 0, index: state.shape[0] - 1)], batchAxes: [1, 0])
  }

  func decodeStep(_ tokens: Tensor, state: DecoderState) -> (scores: Tensor, state: DecoderState, attention: Tensor?) {
    let (outputs, hidden) = decoder(tokens.unsqueezed(axis: 1), state: state.tensors[0], context: state.tensors[1])
    return (decoder.dense(outputs.squeezed(axis: 1)), DecoderState(tensors: [hidden, state.tensors[1]], batchAxes: state.batchAxes), nil)
  }
}

/// The decoder with Bahdanau attention (d2l §11.4): at every step the query is the top GRU
/// layer's state from the step before, the keys and values are the encoder's outputs, and the
/// context that joins the token's embedding is their attention-weighted average, a different
/// one at each step. Additive scoring, w_vᵀ tanh(W_q q + W_k k), with the parameters of the
/// library's `AdditiveAttention`; W_k k is computed once per sentence rather than once per step.
final class BahdanauDecoder: Module {
  let attention: AdditiveAttention
  let embedding: Embedding
  let rnn: GRU
  let dense: Linear

  init(_ sizes: ModelSizes, generator: Generator) {
    attention = AdditiveAttention(keySize: sizes.hiddens, querySize: sizes.hiddens, numHiddens: sizes.hiddens,
                                  dropout: sizes.dropout, generator: generator)
    embedding = Embedding(numEmbeddings: sizes.targetVocabulary, embeddingDim: sizes.hiddens, generator: generator)
    rnn = GRU(inputSize: 2 * sizes.hiddens, hiddenSize: sizes.hiddens, numLayers: sizes.layers, dropout: sizes.dropout, generator: generator)
    dense = Linear(inFeatures: sizes.hiddens, outFeatures: sizes.targetVocabulary, generator: generator)
  }

  /// One step: the embedded tokens [N, E], the state [L, N, H], the encoder's outputs [N, S, H]
  /// with their keys W_k k [N, S, h] and valid lengths [N] → the top layer's output [N, H], the
  /// new state and the attention weights [N, S].
  func step(_ embedded: Tensor, state: Tensor, values: Tensor, keys: Tensor, validLengths: Tensor)
    -> (output: Tensor, state: Tensor, weights: Tensor) {
    let query = state.select(axis: 0, index: state.shape[0] - 1)                 // [N, H]
    let features = (attention.W_q(query).unsqueezed(axis: 1) + keys).tanh()      // [N, S, h]
    let scores = attention.w_v(features).squeezed(axis: -1).unsqueezed(axis: 1)  // [N, 1, S]
    let weights = maskedSoftmax(scores, validLens: validLengths)
    let context = attention.dropout(weights).matmul(values).squeezed(axis: 1)    // [N, H]
    let input = Tensor.cat([context, embedded], axis: 1).unsqueezed(axis: 0)     // [1, N, H + E]
    let (output, newState) = rnn(input, h0: state)
    return (output.squeezed(axis: 0), newState, weights.squeezed(axis: 1))
  }
}

/// The RNN encoder–decoder with Bahdanau attention.
final class BahdanauModel: Module, TranslationModel {
  let encoder: GRUEncoder
  let decoder: BahdanauDecoder

  init(_ sizes: ModelSizes, generator: Generator) {
    encoder = GRUEncoder(sizes, generator: generator)
    decoder = BahdanauDecoder(sizes, generator: generator)
    super.init()
    xavierInitialise(self, generator: generator)
  }

  var module: Module { self }
  var outputLayer: Linear { decoder.dense }

  /// The encoder's outputs as values [N, S, H], their keys W_k k, and its final state.
  func encode(_ source: Tensor) -> (values: Tensor, keys: Tensor, state: Tensor) {
    let (outputs, state) = encoder(source)
    let values = outputs.transposed(0, 1).contiguous()
    return (values, decoder.attention.W_k(values), state)
  }

  func decoderOutputs(source: Tensor, sourceValidLengths: Tensor, decoderInput: Tensor) -> Tensor {
    let (values, keys, initial) = encode(source)
    var state = initial
    let embedded = decoder.embedding(decoderInput)                               // [N, T, E]
    var outputs: [Tensor] = []
    for t in 0..<decoderInput.shape[1] {
      let r = decoder.step(embedded.select(axis: 1, index: t), state: state, values: values, keys: keys, validLengths: sourceValidLengths)
      outputs.append(r.output)
      state = r.state
    }
    return Tensor.stack(outputs, axis: 1)                                         // [N, T, H]
  }

  func beginDecoding(source: Tensor, sourceValidLengths: Tensor) -> DecoderState {
    let (values, keys, state) = encode(source)
    return DecoderState(tensors: [state, values, keys, sourceValidLengths], batchAxes: [1, 0, 0, 0])
  }

  func decodeStep(_ tokens: Tensor, state: DecoderState) -> (scores: Tensor, state: DecoderState, attention: Tensor?) {
    let s = state.tensors
    let r = decoder.step(decoder.embedding(tokens), state: s[0], values: s[1], keys: s[2], validLengths: s[3])
    return (decoder.dense(r.output), DecoderState(tensors: [r.state] + s.dropFirst(), batchAxes: state.batchAxes), r.weights)
  }
}
