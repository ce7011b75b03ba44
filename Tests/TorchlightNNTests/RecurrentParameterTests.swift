import Testing
@testable import TorchlightNN

/// Parameters of the recurrent modules: counts, names and shapes as in PyTorch, initialisation,
/// state dicts with PyTorch's keys; and the shape checks' messages.
@Suite("Recurrent parameters and shapes") struct RecurrentParameterTests {
  /// Σ over layers and directions of G·H·(in + H) weights plus 2·G·H biases; in = inputSize for
  /// layer 0 and D·H above it.
  func expectedCount(gates: Int, input: Int, hidden: Int, layers: Int = 1, bias: Bool = true, bidirectional: Bool = false) -> Int {
    let d = bidirectional ? 2 : 1
    return (0..<layers).reduce(0) { total, layer in
      let inputs = layer == 0 ? input : d * hidden
      return total + d * (gates * hidden * (inputs + hidden) + (bias ? 2 * gates * hidden : 0))
    }
  }

  @Test func parameterCountsFollowPyTorchsFormula() {
    // nn.LSTM(28, 256): 4·256·(28 + 256) + 8·256 = 292,864 (PyTorch prints the same).
    #expect(LSTM(inputSize: 28, hiddenSize: 256).parameterCount == 292_864)
    #expect(expectedCount(gates: 4, input: 28, hidden: 256) == 292_864)
    // nn.GRU(5, 7, num_layers=2, bidirectional=True, bias=False): 1,386 in PyTorch.
    #expect(GRU(inputSize: 5, hiddenSize: 7, numLayers: 2, bias: false, bidirectional: true).parameterCount == 1386)
    for (kind, gates) in [(RecurrentKind.rnnTanh, 1), (.rnnRelu, 1), (.gru, 3), (.lstm, 4)] {
      for (layers, bias, bidirectional) in [(1, true, false), (2, true, false), (3, false, true), (2, true, true)] {
        let m = kind.make(inputSize: 10, hiddenSize: 6, numLayers: layers, bias: bias, bidirectional: bidirectional, dtype: .float32)
        #expect(m.parameterCount == expectedCount(gates: gates, input: 10, hidden: 6, layers: layers, bias: bias, bidirectional: bidirectional),
                "\(m.layerDescription)")
        #expect(m.trainableParameterCount == m.parameterCount)
      }
    }
    #expect(RNNCell(inputSize: 3, hiddenSize: 5).parameterCount == 5 * (3 + 5) + 2 * 5)
    #expect(GRUCell(inputSize: 3, hiddenSize: 5).parameterCount == 15 * (3 + 5) + 2 * 15)
    #expect(LSTMCell(inputSize: 3, hiddenSize: 5, bias: false).parameterCount == 20 * (3 + 5))
  }

  @Test func parametersAreNamedAndShapedLikePyTorch() {
    let gru = GRU(inputSize: 5, hiddenSize: 7, numLayers: 2, bias: false, bidirectional: true)
    let named = gru.namedParameters()
    #expect(named.map(\.0) == ["weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse",
                               "weight_ih_l1", "weight_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse"])
    #expect(named.map(\.1.shape) == [[21, 5], [21, 7], [21, 5], [21, 7], [21, 14], [21, 7], [21, 14], [21, 7]])
    let lstm = LSTM(inputSize: 28, hiddenSize: 256)
    #expect(lstm.namedParameters().map(\.0) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"])
    #expect(lstm.namedParameters().map(\.1.shape) == [[1024, 28], [1024, 256], [1024], [1024]])
    #expect(LSTMCell(inputSize: 3, hiddenSize: 5).namedParameters().map(\.0) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
    // Inside a model the usual prefixes apply.
    let model = Sequential(Embedding(numEmbeddings: 10, embeddingDim: 4), RNN(inputSize: 4, hiddenSize: 3))
    #expect(model.namedParameters().map(\.0) == ["0.weight", "1.weight_ih_l0", "1.weight_hh_l0",
                                                 "1.bias_ih_l0", "1.bias_hh_l0"])
  }

  /// Every weight and bias uniform on ±1/√H: inside the bound, and spread over it.
  @Test func initialisationIsUniformOnPlusMinusOneOverRootH() {
    let lstm = LSTM(inputSize: 30, hiddenSize: 64, numLayers: 2, bidirectional: true, generator: Generator(seed: 11))
    let bound = 1 / 64.0.squareRoot()
    for (name, p) in lstm.namedParameters() {
      let values = p.toDoubles()
      let (lo, hi) = (values.min()!, values.max()!)
      #expect(lo >= -bound && hi <= bound, "\(name) in [\(lo), \(hi)]")
      #expect(lo < -0.9 * bound && hi > 0.9 * bound, "\(name) spread: [\(lo), \(hi)]")
      let mean = values.reduce(0, +) / Double(values.count)
      #expect(Swift.abs(mean) < 0.2 * bound, "\(name) mean \(mean)")
    }
    let cell = GRUCell(inputSize: 4, hiddenSize: 9, generator: Generator(seed: 12))
    #expect(cell.parameters().allSatisfy { $0.abs().max().item() <= 1.0 / 3 })
  }

  /// A state dict with PyTorch's keys loads, and a module's own state dict round-trips.
  @Test func stateDictsUsePyTorchKeys() throws {
    let a = LSTM(inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, generator: Generator(seed: 13))
    let b = LSTM(inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true, generator: Generator(seed: 14))
    let keys = a.stateDict().map(\.0)
    #expect(keys.count == 16 && keys.contains("bias_hh_l1_reverse") && keys.first == "weight_ih_l0")
    // As a state dict saved by PyTorch would be: the same names, fresh tensors.
    let fromPyTorch = a.stateDict().map { ($0, $1.clone()) }
    try b.load(stateDict: fromPyTorch)
    let x = Tensor.uniform([4, 2, 3], low: -1, high: 1, generator: Generator(seed: 15))
    #expect(largestDifference([a(x)], [b(x)]) == 0)
    // A wrong shape is refused with the PyTorch name in the message.
    let wrong = fromPyTorch.map { $0.0 == "weight_hh_l0" ? ($0.0, Tensor.zeros([8, 3])) : $0 }
    #expect(throws: CheckpointError.self) { try b.load(stateDict: wrong) }
    do { try b.load(stateDict: wrong) } catch let e as CheckpointError { #expect(e.description.contains("weight_hh_l0")) }
  }

  @Test func descriptionsNameTheOptionsThatDifferFromTheDefaults() {
    #expect(LSTM(inputSize: 28, hiddenSize: 256).layerDescription == "LSTM(28, 256)")
    #expect(GRU(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true, dropout: 0.5, bidirectional: true).layerDescription
            == "GRU(3, 4, numLayers: 2, batchFirst: true, dropout: 0.5, bidirectional: true)")
    #expect(RNN(inputSize: 3, hiddenSize: 4, nonlinearity: .relu, bias: false).layerDescription == "RNN(3, 4, nonlinearity: relu, bias: false)")
    #expect(LSTMCell(inputSize: 3, hiddenSize: 4).cellDescription == "LSTMCell(3, 4)")
  }

  // MARK: Shape checks

  @Test func shapeProblemsNameTheLayerAndBothShapes() {
    let lstm = LSTM(inputSize: 28, hiddenSize: 256, numLayers: 2)
    #expect(lstm.shapeProblem(input: [35, 32, 28]) == nil)
    #expect(lstm.shapeProblem(input: [35, 32, 28], hidden: [2, 32, 256], cell: [2, 32, 256]) == nil)
    #expect(lstm.shapeProblem(input: [35, 28], hidden: [2, 256], cell: [2, 256]) == nil)

    let features = lstm.shapeProblem(input: [35, 32, 27])!
    #expect(features.hasPrefix("LSTM(28, 256, numLayers: 2):") && features.contains("[35, 32, 27]") && features.contains("27 features")
            && features.contains("inputSize 28"), "\(features)")
    let rank = lstm.shapeProblem(input: [28])!
    #expect(rank.contains("[T, B, 28]") && rank.contains("[28]"), "\(rank)")

    // The batch of the state differs from the input's: the message suspects a batchFirst mix-up.
    let swapped = lstm.shapeProblem(input: [32, 35, 28], hidden: [2, 32, 256], cell: [2, 32, 256])!
    #expect(swapped.contains("[32, 35, 28]") && swapped.contains("[2, 32, 256]") && swapped.contains("batch 35")
            && swapped.contains("batchFirst: true"), "\(swapped)")
    let batchFirst = LSTM(inputSize: 28, hiddenSize: 256, batchFirst: true)
    let swappedBack = batchFirst.shapeProblem(input: [35, 32, 28], hidden: [1, 32, 256], cell: [1, 32, 256])!
    #expect(swappedBack.contains("batch 35 on axis 0") && swappedBack.contains("batchFirst: false"), "\(swappedBack)")

    let layers = lstm.shapeProblem(input: [35, 32, 28], hidden: [1, 32, 256], cell: [2, 32, 256])!
    #expect(layers.contains("h0 must have shape [2, 32, 256]") && layers.contains("[1, 32, 256]") && layers.contains("[35, 32, 28]"), "\(layers)")
    let cell = lstm.shapeProblem(input: [35, 32, 28], hidden: [2, 32, 256], cell: [2, 32, 128])!
    #expect(cell.contains("c0 must have shape [2, 32, 256]") && cell.contains("[2, 32, 128]"), "\(cell)")
    let unbatched = lstm.shapeProblem(input: [35, 28], hidden: [2, 1, 256], cell: [2, 1, 256])!
    #expect(unbatched.contains("[2, 256]") && unbatched.contains("[2, 1, 256]") && unbatched.contains("[35, 28]"), "\(unbatched)")
    let gru = GRU(inputSize: 4, hiddenSize: 5, bidirectional: true)
    let directions = gru.shapeProblem(input: [3, 2, 4], hidden: [1, 2, 5])!
    #expect(directions.hasPrefix("GRU(4, 5, bidirectional: true):") && directions.contains("[2, 2, 5]") && directions.contains("[1, 2, 5]"), "\(directions)")
    #expect(gru.shapeProblem(input: [0, 2, 4])!.contains("no time steps"))

    let cellModule = LSTMCell(inputSize: 3, hiddenSize: 4)
    #expect(cellModule.shapeProblem(input: [2, 3], hidden: [2, 4]) == nil)
    let cellProblem = cellModule.shapeProblem(input: [2, 3], hidden: [5, 4])!
    #expect(cellProblem.contains("LSTMCell(3, 4)") && cellProblem.contains("[2, 4]") && cellProblem.contains("[5, 4]"), "\(cellProblem)")
    #expect(cellModule.shapeProblem(input: [2, 7])!.contains("[2, 7]"))
  }

  /// forward stops with the same message.
  @Test func forwardStopsWithTheMessage() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let gru = GRU(inputSize: 4, hiddenSize: 5)
      _ = gru(Tensor.zeros([6, 3, 4]), h0: Tensor.zeros([1, 6, 5]))
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("GRU(4, 5)") && text.contains("[6, 3, 4]") && text.contains("[1, 6, 5]") && text.contains("batchFirst: true"), "\(text)")
  }
}
