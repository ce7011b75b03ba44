import Testing
@testable import TorchlightNN

@Suite("Embedding, oneHot and recurrent cells") struct EmbeddingAndCellTests {
  @Test func oneHotPutsAOneAtEachIndex() {
    let ids = Tensor([Int64(2), 0, 3, 2, 1, 0], shape: [2, 3])
    let h = oneHot(ids, numClasses: 5)
    #expect(h.shape == [2, 3, 5] && h.dtype == .float32)
    #expect(h.toDoubles() == [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0,
                              0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0])
    #expect(oneHot(ids).shape == [2, 3, 4])                          // inferred: largest + 1
    #expect(oneHot(ids, dtype: .int64).dtype == .int64 && oneHot(ids, dtype: .float64).dtype == .float64)
    // Through a transposed view: element order follows the logical layout.
    #expect(oneHot(ids.t(), numClasses: 4).toDoubles() == oneHot(ids.t().contiguous(), numClasses: 4).toDoubles())
    // A linear map of a one-hot vector picks a column of the weight.
    let w = Tensor.randn([3, 5], dtype: .float64, generator: Generator(seed: 1))
    #expect((oneHot(Tensor([Int64(4)], shape: [1]), numClasses: 5, dtype: .float64).matmul(w.t()) - w[0..., 4].unsqueezed(axis: 0)).abs().max().item() == 0)
  }

  @Test func oneHotRejectsAnIndexOutOfRange() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = oneHot(Tensor([Int64(1), 5], shape: [2]), numClasses: 4)
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("oneHot") && text.contains("5") && text.contains("[0, 4)"), "\(text)")
  }

  @Test func embeddingLooksUpRowsAndTheirGradientsAddUp() {
    let e = Embedding(numEmbeddings: 6, embeddingDim: 3, dtype: .float64, generator: Generator(seed: 2))
    let ids = Tensor([Int64(1), 4, 1, 0], shape: [2, 2])
    let out = e(ids)
    #expect(out.shape == [2, 2, 3])
    #expect(out[1, 0].toDoubles() == e.weight[1].toDoubles() && out[0, 1].toDoubles() == e.weight[4].toDoubles())
    (out * Tensor.ones([2, 2, 3], dtype: .float64)).sum().backward()
    let g = e.weight.grad!
    #expect(g[1].toDoubles() == [2, 2, 2] && g[4].toDoubles() == [1, 1, 1] && g[0].toDoubles() == [1, 1, 1])
    #expect(g[5].toDoubles() == [0, 0, 0])
    // Initial values are N(0, 1): mean near 0, spread near 1 over a large table.
    let big = Embedding(numEmbeddings: 1000, embeddingDim: 50, generator: Generator(seed: 3)).weight
    #expect(Swift.abs(big.mean().item()) < 0.02 && Swift.abs(big.std().item() - 1) < 0.02)
  }

  @Test func thePaddingRowStartsAtZeroAndGetsNoGradient() {
    for padding in [2, -4] {   // −4 of 6 rows is row 2
      let e = Embedding(numEmbeddings: 6, embeddingDim: 3, paddingIdx: padding, dtype: .float64, generator: Generator(seed: 4))
      #expect(e.paddingIdx == 2 && e.weight[2].toDoubles() == [0, 0, 0])
      #expect(e.weight[3].abs().sum().item() > 0)
      let ids = Tensor([Int64(2), 3, 2, 5], shape: [4])
      (e(ids) * Tensor.randn([4, 3], dtype: .float64, generator: Generator(seed: 5))).sum().backward()
      #expect(e.weight.grad![2].toDoubles() == [0, 0, 0])
      #expect(e.weight.grad![3].abs().sum().item() > 0 && e.weight.grad![5].abs().sum().item() > 0)
    }
  }

  @Test func embeddingGradientsMatchCentralDifferences() {
    let w = Tensor.randn([5, 3], dtype: .float64, generator: Generator(seed: 6)).t().contiguous().t().requiringGrad()
    let ids = Tensor([Int64(0), 3, 3, 1, 4, 0], shape: [3, 2])
    let v = Tensor.randn([3, 2, 3], dtype: .float64, generator: Generator(seed: 7))
    let first = gradientCheck({ (embedding(ids, weight: $0[0]) * v * v.sin()).sum() }, inputs: [w])
    #expect(first.passed, "\(first)")
    let second = gradgradCheck({ (embedding(ids, weight: $0[0]) * embedding(ids, weight: $0[0])).sum() }, inputs: [w])
    #expect(second.passed, "second order: \(second)")
    // With padding, the gradient is the one of the same sum with the padded positions left out
    // (a padded position's value still depends on the row; it is just never trained).
    let mask = (ids .!= 3.0).to(.float64).unsqueezed(axis: 2)
    let padded = grad(of: (embedding(ids, weight: w, paddingIdx: 3) * v).sum(), with: [w], createGraph: true)[0]!
    let masked = grad(of: (embedding(ids, weight: w) * v * mask).sum(), with: [w])[0]!
    #expect((padded - masked).abs().max().item() == 0 && padded[3].abs().sum().item() == 0)
  }

  // MARK: Cells

  /// Each cell module is its functional cell; a hand-written loop of LSTMCell is one LSTM layer.
  @Test func cellsAgreeWithTheLayers() {
    let g = Generator(seed: 8)
    let lstm = LSTM(inputSize: 3, hiddenSize: 4, dtype: .float64, generator: g)
    let cell = LSTMCell(inputSize: 3, hiddenSize: 4, dtype: .float64)
    for (name, p) in lstm.namedParameters() {
      let target = cell.namedParameters().first { $0.0 == name.replacingOccurrences(of: "_l0", with: "") }!.1
      withNoGrad { target.copy(from: p) }
    }
    let x = Tensor.uniform([5, 2, 3], low: -1, high: 1, dtype: .float64, generator: g)
    var state: (h: Tensor, c: Tensor)? = nil
    var hs: [Tensor] = []
    for t in 0..<5 { state = cell(x[t], state: state); hs.append(state!.h) }
    let (out, (hN, cN)) = lstm(x, state: nil)
    #expect(largestDifference([Tensor.stack(hs), state!.h, state!.c], [out, hN[0], cN[0]]) < 1e-14)

    let gru = GRU(inputSize: 3, hiddenSize: 4, dtype: .float64, generator: g), gcell = GRUCell(inputSize: 3, hiddenSize: 4, dtype: .float64)
    let rnn = RNN(inputSize: 3, hiddenSize: 4, nonlinearity: .relu, dtype: .float64, generator: g)
    let rcell = RNNCell(inputSize: 3, hiddenSize: 4, nonlinearity: .relu, dtype: .float64)
    for (layer, c) in [(gru as RNNBase, gcell as RNNCellBase), (rnn, rcell)] {
      for (a, b) in zip(layer.parameters(), c.parameters()) { withNoGrad { b.copy(from: a) } }
      var h: Tensor? = nil
      for t in 0..<5 { h = c is GRUCell ? gcell(x[t], hidden: h) : rcell(x[t], hidden: h) }
      #expect(largestDifference([h], [callRecurrent(layer, x).hN[0]]) < 1e-14)
    }
    // Unbatched input [F] with state [H]; forward() starts from zeros.
    #expect(cell(x[0, 0], state: nil).h.shape == [4])
    #expect(largestDifference([gcell(x[0])], [gcell(x[0], hidden: Tensor.zeros([2, 4], dtype: .float64))]) == 0)
  }

  @Test(arguments: RecurrentKind.allCases) func cellGradientsFirstAndSecondOrder(_ kind: RecurrentKind) {
    let g = Generator(seed: 9)
    let x = Tensor.uniform([3, 2], low: -1, high: 1, dtype: .float64, generator: g).t().requiringGrad()   // [2, 3], transposed
    let h = Tensor.uniform([2, 2], low: -1, high: 1, dtype: .float64, generator: g).requiringGrad()
    let c = Tensor.uniform([2, 2], low: -1, high: 1, dtype: .float64, generator: g).requiringGrad()
    let v = Tensor.uniform([2, 2], low: -1, high: 1, dtype: .float64, generator: g)
    let f: ([Tensor]) -> Tensor
    let params: [Tensor]
    switch kind {
    case .rnnTanh, .rnnRelu:
      let cell = RNNCell(inputSize: 3, hiddenSize: 2, nonlinearity: kind == .rnnTanh ? .tanh : .relu, dtype: .float64, generator: g)
      params = cell.parameters()
      f = { xs in (cell(xs[0], hidden: xs[1]) * v).sum() }
    case .gru:
      let cell = GRUCell(inputSize: 3, hiddenSize: 2, dtype: .float64, generator: g)
      params = cell.parameters()
      f = { xs in (cell(xs[0], hidden: xs[1]) * v).sum() }
    case .lstm:
      let cell = LSTMCell(inputSize: 3, hiddenSize: 2, dtype: .float64, generator: g)
      params = cell.parameters()
      f = { xs in let (h, c) = cell(xs[0], state: (xs[1], xs[2])); return (h * v + c * v * v).sum() }
    }
    let inputs = [x, h] + (kind == .lstm ? [c] : []) + params
    let first = gradientCheck(f, inputs: inputs)
    #expect(first.passed, "\(first)")
    let second = gradgradCheck(f, inputs: inputs)
    #expect(second.passed, "second order: \(second)")
  }
}
