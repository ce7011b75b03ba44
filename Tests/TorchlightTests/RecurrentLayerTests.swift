import Foundation
import Testing
@testable import Torchlight
@testable import TorchlightAVX512

/// The inputs of one layer-direction, seeded, as float64 leaves (or float32).
struct LayerCase {
  let mode: RecurrentMode
  let x: Tensor, h0: Tensor?, c0: Tensor?, wih: Tensor, whh: Tensor, bih: Tensor?, bhh: Tensor?
  let reverse: Bool

  /// x is [T, B, F] seen through a transposed view of a [B, T, F] buffer, so it is not contiguous.
  init(_ mode: RecurrentMode, steps: Int = 4, batch: Int = 2, input: Int = 3, hidden: Int = 2, state: Bool, bias: Bool = true,
       reverse: Bool, dtype: DType = .float64, seed: UInt64) {
    self.mode = mode
    let g = Generator(seed: seed), rows = mode.gateCount * hidden
    func leaf(_ shape: [Int], _ scale: Double = 1) -> Tensor {
      (Tensor.uniform(shape, low: -scale, high: scale, dtype: dtype, generator: g)).requiringGrad()
    }
    x = (Tensor.uniform([batch, steps, input], low: -1, high: 1, dtype: dtype, generator: g)).transposed(0, 1)
      .detached().requiringGrad()
    h0 = state ? leaf([batch, hidden]) : nil
    c0 = state && mode == .lstm ? leaf([batch, hidden]) : nil
    wih = leaf([rows, input], 0.8); whh = leaf([rows, hidden], 0.8)
    bih = bias ? leaf([rows], 0.5) : nil; bhh = bias ? leaf([rows], 0.5) : nil
    self.reverse = reverse
  }

  var leaves: [Tensor] { [x] + [h0, c0, wih, whh, bih, bhh].compactMap { $0 } }

  /// Rebuilds the call from a list of tensors in `leaves` order (for gradient checks).
  func call(_ t: [Tensor], fused: Bool) -> (output: Tensor, hidden: Tensor, cell: Tensor?) {
    var i = 0
    func next() -> Tensor { defer { i += 1 }; return t[i] }
    let x = next(), h = h0 == nil ? nil : next(), c = c0 == nil ? nil : next()
    let wih = next(), whh = next(), bih = bih == nil ? nil : next(), bhh = bhh == nil ? nil : next()
    return fused
      ? recurrentLayer(mode, x, hidden: h, cell: c, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh, reverse: reverse)
      : recurrentLayerReference(mode, x, hidden: h, cell: c, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh, reverse: reverse)
  }

  /// A scalar that weighs every output, h_n and c_n differently, so no gradient is trivially zero.
  func loss(_ r: (output: Tensor, hidden: Tensor, cell: Tensor?)) -> Tensor {
    let g = Generator(seed: 99)
    let v = Tensor.uniform(r.output.shape, low: -1, high: 1, dtype: r.output.dtype, generator: g)
    let w = Tensor.uniform(r.hidden.shape, low: -1, high: 1, dtype: r.output.dtype, generator: g)
    var l = (r.output * v).sum() + (r.hidden * w).sum()
    if let c = r.cell { l = l + (c * Tensor.uniform(c.shape, low: -1, high: 1, dtype: c.dtype, generator: g)).sum() }
    return l
  }
}

struct LayerConfig: CustomTestStringConvertible, Sendable {
  let mode: RecurrentMode, state: Bool, reverse: Bool, bias: Bool
  var testDescription: String { "\(mode.rawValue)\(state ? " h0" : "")\(reverse ? " reverse" : "")\(bias ? "" : " no-bias")" }
  static let all: [LayerConfig] = RecurrentMode.allCases.flatMap { m in
    [(false, false, true), (true, false, true), (true, true, true), (false, true, false)].map {
      LayerConfig(mode: m, state: $0.0, reverse: $0.1, bias: $0.2)
    }
  }
}

/// Largest |a − b| over two lists of tensors.
func maxDifference(_ a: [Tensor?], _ b: [Tensor?]) -> Double {
  zip(a, b).map { x, y in
    guard let x, let y else { return x == nil && y == nil ? 0 : .infinity }
    return (x.to(.float64) - y.to(.float64)).abs().max().item()
  }.max() ?? 0
}

/// Largest |x| over a list of tensors.
func maxMagnitude(_ a: [Tensor?]) -> Double { a.compactMap { $0?.to(.float64).abs().max().item() }.max() ?? 0 }

@Suite("Recurrent layer op") struct RecurrentLayerTests {
  /// The vectorisable tanh is within 3 ulp of the exact value everywhere, odd, saturating, NaN-safe.
  @Test func vectorTanhAgreesWithTheExactValue() {
    var worst = 0.0
    var x: Float = -12
    while x < 12 {
      let exact = Foundation.tanh(Double(x)), fast = Double(vectorTanh(x))
      worst = Swift.max(worst, Swift.abs(fast - exact) / Double(Swift.max(Float(exact).ulp, Float.leastNormalMagnitude)))
      x += 0.000_731
    }
    #expect(worst <= 3, "worst error \(worst) ulp")
    #expect(vectorTanh(0) == 0 && vectorTanh(1e-30) == 1e-30 && vectorTanh(-0.25) == -vectorTanh(0.25))
    #expect(vectorTanh(100) == 1 && vectorTanh(-1e30) == -1 && vectorTanh(.infinity) == 1)
    #expect(vectorTanh(.nan).isNaN)
  }

  /// Fused and op-by-op give the same outputs, final states and gradients of every input.
  @Test(arguments: LayerConfig.all) func fusedMatchesTheReferenceInFloat64(_ config: LayerConfig) {
    let c = LayerCase(config.mode, state: config.state, bias: config.bias, reverse: config.reverse, seed: 1)
    let fused = c.call(c.leaves, fused: true), reference = c.call(c.leaves, fused: false)
    let valueError = maxDifference([fused.output, fused.hidden, fused.cell], [reference.output, reference.hidden, reference.cell])
    let gf = grad(of: c.loss(fused), with: c.leaves), gr = grad(of: c.loss(reference), with: c.leaves)
    let gradError = maxDifference(gf, gr)
    #expect(valueError < 1e-14, "values differ by \(valueError)")
    #expect(gradError < 1e-13, "gradients differ by \(gradError)")
    #expect(fused.output.shape == reference.output.shape && fused.hidden.shape == reference.hidden.shape)
  }

  @Test(arguments: RecurrentMode.allCases) func fusedMatchesTheReferenceInFloat32(_ mode: RecurrentMode) {
    let c = LayerCase(mode, steps: 12, batch: 5, input: 7, hidden: 16, state: true, reverse: mode == .gru, dtype: .float32, seed: 2)
    let fused = c.call(c.leaves, fused: true), reference = c.call(c.leaves, fused: false)
    let references = [reference.output, reference.hidden, reference.cell]
    let gr = grad(of: c.loss(reference), with: c.leaves)
    // Relative to the largest value: a ReLU network's states grow with the steps.
    let valueError = maxDifference([fused.output, fused.hidden, fused.cell], references) / maxMagnitude(references)
    let gradError = maxDifference(grad(of: c.loss(fused), with: c.leaves), gr) / maxMagnitude(gr)
    #expect(valueError < 5e-6, "values differ by \(valueError) of the largest")
    #expect(gradError < 2e-5, "gradients differ by \(gradError) of the largest")
  }

  /// Central differences against the fused backward (first order) on a non-contiguous input.
  @Test(arguments: LayerConfig.all) func fusedGradientsMatchCentralDifferences(_ config: LayerConfig) {
    let c = LayerCase(config.mode, state: config.state, bias: config.bias, reverse: config.reverse, seed: 3)
    #expect(!c.x.isContiguous)
    let result = gradientCheck({ c.loss(c.call($0, fused: true)) }, inputs: c.leaves)
    #expect(result.passed, "\(result)")
  }

  /// Second derivatives: backward recorded with createGraph goes through the reference.
  @Test(arguments: RecurrentMode.allCases) func secondOrderGradientsThroughTheFallback(_ mode: RecurrentMode) {
    let c = LayerCase(mode, steps: 3, batch: 2, input: 2, hidden: 2, state: true, reverse: mode == .lstm || mode == .rnnRelu, seed: 4)
    let result = gradgradCheck({ c.loss(c.call($0, fused: true)) }, inputs: c.leaves)
    #expect(result.passed, "second order: \(result)")
  }

  /// Under createGraph the gradients carry a graph (they came from the reference) and still
  /// equal the fused ones.
  @Test func createGraphFallsBackToTheReference() {
    let c = LayerCase(.lstm, state: true, reverse: false, seed: 5)
    let out = c.call(c.leaves, fused: true)
    #expect(out.output.gradFn != nil)
    let plain = grad(of: c.loss(out), with: c.leaves, retainGraph: true)
    let recorded = grad(of: c.loss(out), with: c.leaves, createGraph: true)
    #expect(recorded.allSatisfy { $0?.requiresGrad == true })
    #expect(plain.allSatisfy { $0?.requiresGrad == false })
    #expect(maxDifference(plain, recorded) < 1e-13)
  }

  /// The graph holds one node per layer-direction, named after the cell.
  @Test func theWholeSequenceIsOneNode() {
    for (mode, name) in [(RecurrentMode.rnnTanh, "RNNTanhBackward"), (.rnnRelu, "RNNReluBackward"), (.lstm, "LSTMBackward"), (.gru, "GRUBackward")] {
      let c = LayerCase(mode, state: false, reverse: false, seed: 6)
      let r = c.call(c.leaves, fused: true)
      let node = mode == .lstm ? r.output.gradFn?.nextFunctions.first ?? nil : r.output.gradFn
      #expect(node?.name == name, "\(mode): \(String(describing: node?.name))")
    }
  }

  /// Without gradients anywhere nothing is recorded, and the numbers are the same.
  @Test func inferenceRecordsNothing() {
    let c = LayerCase(.gru, state: true, reverse: true, seed: 7)
    let (a, b) = withNoGrad { (c.call(c.leaves, fused: true), c.call(c.leaves, fused: false)) }
    #expect(a.output.gradFn == nil && !a.hidden.requiresGrad)
    #expect(maxDifference([a.output, a.hidden], [b.output, b.hidden]) < 1e-14)
  }

  /// An input that does not require grad gets none, and the others are still right.
  @Test func onlyTheWeightsRequireGrad() {
    let c = LayerCase(.lstm, state: true, reverse: false, seed: 8)
    let x = c.x.detached()
    let fused = recurrentLayer(.lstm, x, hidden: c.h0!.detached(), cell: c.c0!.detached(), weightIH: c.wih, weightHH: c.whh,
                               biasIH: c.bih, biasHH: c.bhh)
    let reference = recurrentLayerReference(.lstm, x, hidden: c.h0!.detached(), cell: c.c0!.detached(), weightIH: c.wih,
                                            weightHH: c.whh, biasIH: c.bih, biasHH: c.bhh)
    let ws = [c.wih, c.whh, c.bih!, c.bhh!]
    #expect(maxDifference(grad(of: c.loss(fused), with: ws), grad(of: c.loss(reference), with: ws)) < 1e-13)
  }

  @Test func mismatchedShapesStopWithBothShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = recurrentLayer(.lstm, Tensor.zeros([5, 3, 4]), hidden: Tensor.zeros([2, 6]), weightIH: Tensor.zeros([24, 4]),
                         weightHH: Tensor.zeros([24, 6]))
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("recurrentLayer(lstm)") && text.contains("[3, 6]") && text.contains("[2, 6]") && text.contains("[5, 3, 4]"), "\(text)")
  }
}

/// The packed AVX-512 product of the recurrence against a plain triple loop, on awkward sizes
/// (partial panels, leftover rows) and both packings. Skipped on CPUs without AVX-512.
@Suite("Packed recurrent product") struct PackedProductTests {
  @Test(.enabled(if: CPUFeatures.avx512), arguments: [(13, 45, 7), (8, 32, 5), (32, 1024, 256), (3, 70, 33)])
  func packedProductMatchesTheDefinition(_ size: (Int, Int, Int)) {
    let (m, n, k) = size
    let g = Generator(seed: 21)
    let w = Tensor.uniform([n, k], low: -1, high: 1, generator: g).toArray(Float.self)   // B = Wᵀ [k, n], or W itself [n, k]
    for transposed in [true, false] {
      let (wk, wn) = transposed ? (k, n) : (n, k)     // B is wk × wn, A is m × wk
      let a = Tensor.uniform([m, wk], low: -1, high: 1, generator: g).toArray(Float.self)
      var c = [Float](repeating: 0.5, count: m * wn)
      a.withUnsafeBufferPointer { pa in
        w.withUnsafeBufferPointer { pw in
          c.withUnsafeMutableBufferPointer { pc in
            let product = RecurrentProduct(pw.baseAddress!, k: wk, n: wn, transposed: transposed)
            #expect(product.packed != nil)
            product.apply(pa.baseAddress!, lda: wk, m: m, pc.baseAddress!, ldc: wn, accumulate: true)
            product.deallocate()
          }
        }
      }
      var worst: Float = 0
      for i in 0..<m {
        for j in 0..<wn {
          var s = 0.5 as Float
          for r in 0..<wk { s += a[i * wk + r] * (transposed ? w[j * k + r] : w[r * k + j]) }
          worst = Swift.max(worst, Swift.abs(s - c[i * wn + j]))
        }
      }
      #expect(worst < 1e-4 * Float(wk), "\(size) transposed \(transposed): \(worst)")
    }
  }
}

/// The 16-lane gate functions give exactly the numbers of the scalar ones they copy.
@Suite("AVX-512 gate passes") struct GatePassTests {
  @Test(.enabled(if: CPUFeatures.avx512)) func sameBitsAsTheScalarFunctions() {
    let values: [Float] = stride(from: -95, through: 95, by: 0.0173).map { Float($0) } + [0, -0, 1e-30, -1e-8, .nan, .infinity, -.infinity]
    var sig = values, th = [Float](repeating: 0, count: values.count)
    sig.withUnsafeMutableBufferPointer { GatePasses.sigmoid($0.baseAddress!, values.count) }
    values.withUnsafeBufferPointer { x in th.withUnsafeMutableBufferPointer { GatePasses.tanh(x.baseAddress!, $0.baseAddress!, values.count) } }
    for (k, x) in values.enumerated() {
      #expect(sig[k].bitPattern == vectorSigmoid(x).bitPattern || (sig[k].isNaN && x.isNaN), "σ(\(x))")
      #expect(th[k].bitPattern == vectorTanh(x).bitPattern || (th[k].isNaN && x.isNaN), "tanh(\(x))")
    }
  }
}
