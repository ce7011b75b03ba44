import Foundation
import Testing
@testable import TorchlightNN

/// Inputs for the value checks: far left, around zero (tiny numbers of both signs), around the
/// softplus threshold 20, far right.
let activationInputs: [Double] = [-60, -20, -5, -1.5, -0.5, -1e-9, 0, 1e-9, 0.3, 1, 2.5, 19.9, 20, 20.1, 35, 60]

/// PyTorch's definitions, written in plain Swift on one Double at a time.
enum ReferenceActivation {
  static let seluAlpha = 1.6732632423543772848170429916717
  static let seluScale = 1.0507009873554804934193349852946

  static func relu(_ x: Double) -> Double { Swift.max(x, 0) }
  static func leakyRelu(_ x: Double, _ slope: Double) -> Double { x > 0 ? x : slope * x }
  static func elu(_ x: Double, _ alpha: Double) -> Double { x > 0 ? x : alpha * Foundation.expm1(x) }
  static func selu(_ x: Double) -> Double { seluScale * (Swift.max(0, x) + Swift.min(0, seluAlpha * Foundation.expm1(x))) }
  static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())) }
  static func geluTanh(_ x: Double) -> Double {
    0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
  }
  static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
  static func silu(_ x: Double) -> Double { x * sigmoid(x) }
  static func softplus(_ x: Double, _ beta: Double, _ threshold: Double) -> Double {
    x * beta > threshold ? x : Foundation.log1p(Foundation.exp(beta * x)) / beta
  }
  static func hardtanh(_ x: Double, _ lo: Double, _ hi: Double) -> Double { Swift.min(Swift.max(x, lo), hi) }
}

/// A float64 leaf of `shape` (stored transposed when 2-D, so non-contiguous) with seeded values
/// of standard deviation `scale`, none closer than `margin` to any of `kinks`: central
/// differences straddling a kink would measure neither side's slope.
func smoothLeaf(_ shape: [Int], seed: UInt64, scale: Double = 2, avoiding kinks: [Double] = [], margin: Double = 0.1) -> Tensor {
  let stored = shape.count == 2 ? [shape[1], shape[0]] : shape
  var values = Tensor.randn(stored, dtype: .float64, generator: Generator(seed: seed)).toArray(Double.self).map { $0 * scale }
  for i in values.indices {
    for k in kinks where Swift.abs(values[i] - k) < margin { values[i] = values[i] >= k ? k + margin : k - margin }
  }
  let t = Tensor(values, shape: stored, dtype: .float64)
  return (shape.count == 2 ? t.t() : t).requiringGrad()
}

/// One activation: its function, its layer, the reference, and where it is not smooth.
struct ActivationCase: CustomTestStringConvertible, Sendable {
  let name: String
  let function: @Sendable (Tensor) -> Tensor
  let module: @Sendable () -> Module
  let reference: @Sendable (Double) -> Double
  /// Where the function or its derivative jumps.
  var kinks: [Double] = []
  /// Twice differentiable away from the kinks, so `gradgradCheck` applies.
  var smooth = true
  var testDescription: String { name }
}

let activationCases: [ActivationCase] = [
  ActivationCase(name: "relu", function: { relu($0) }, module: { ReLU() }, reference: ReferenceActivation.relu,
                 kinks: [0], smooth: false),
  ActivationCase(name: "leakyRelu", function: { leakyRelu($0, negativeSlope: 0.2) }, module: { LeakyReLU(negativeSlope: 0.2) },
                 reference: { ReferenceActivation.leakyRelu($0, 0.2) }, kinks: [0], smooth: false),
  ActivationCase(name: "prelu", function: { prelu($0, weight: Tensor([0.3], dtype: $0.dtype)) },
                 module: { let m = PReLU(dtype: .float64); Init.constant(m.weight, 0.3); return m },
                 reference: { ReferenceActivation.leakyRelu($0, 0.3) }, kinks: [0], smooth: false),
  ActivationCase(name: "rrelu (eval)", function: { rrelu($0, lower: 0.1, upper: 0.3) },
                 module: { let m = RReLU(lower: 0.1, upper: 0.3); m.eval(); return m },
                 reference: { ReferenceActivation.leakyRelu($0, 0.2) }, kinks: [0], smooth: false),
  ActivationCase(name: "elu", function: { elu($0, alpha: 1.3) }, module: { ELU(alpha: 1.3) },
                 reference: { ReferenceActivation.elu($0, 1.3) }, kinks: [0]),
  ActivationCase(name: "selu", function: { selu($0) }, module: { SELU() }, reference: ReferenceActivation.selu, kinks: [0]),
  ActivationCase(name: "gelu", function: { gelu($0) }, module: { GELU() }, reference: ReferenceActivation.gelu),
  ActivationCase(name: "gelu (tanh)", function: { gelu($0, approximate: .tanh) }, module: { GELU(approximate: .tanh) },
                 reference: ReferenceActivation.geluTanh),
  ActivationCase(name: "silu", function: { silu($0) }, module: { SiLU() }, reference: ReferenceActivation.silu),
  ActivationCase(name: "sigmoid", function: { sigmoid($0) }, module: { Sigmoid() }, reference: ReferenceActivation.sigmoid),
  ActivationCase(name: "tanh", function: { tanh($0) }, module: { Tanh() }, reference: { Foundation.tanh($0) }),
  ActivationCase(name: "softplus", function: { softplus($0) }, module: { Softplus() },
                 reference: { ReferenceActivation.softplus($0, 1, 20) }),
  // β = 2 and threshold 3 put the switch to the identity at x = 1.5, inside the gradient checks' inputs.
  ActivationCase(name: "softplus (β 2, threshold 3)", function: { softplus($0, beta: 2, threshold: 3) },
                 module: { Softplus(beta: 2, threshold: 3) }, reference: { ReferenceActivation.softplus($0, 2, 3) }, kinks: [1.5]),
  ActivationCase(name: "hardtanh", function: { hardtanh($0, minValue: -0.5, maxValue: 1.2) },
                 module: { Hardtanh(minValue: -0.5, maxValue: 1.2) },
                 reference: { ReferenceActivation.hardtanh($0, -0.5, 1.2) }, kinks: [-0.5, 1.2], smooth: false),
  ActivationCase(name: "erf", function: { erf($0) }, module: { GELU() }, reference: { Foundation.erf($0) }),
]

@Suite("Activations") struct ActivationTests {
  @Test(arguments: activationCases) func valuesMatchTheDefinition(_ c: ActivationCase) {
    // float64, on a contiguous and on a transposed layout.
    let x = Tensor(activationInputs, shape: [activationInputs.count], dtype: .float64)
    let expected = activationInputs.map(c.reference)
    let y = c.function(x)
    #expect(y.dtype == .float64 && y.shape == x.shape)
    expectClose(y.toDoubles(), expected, tolerance: 1e-12)
    let grid = Tensor(activationInputs, shape: [2, 8], dtype: .float64).t()
    expectClose(c.function(grid).t().toDoubles(), expected, tolerance: 1e-12)
    // float32 stays float32, and is right to float32 precision.
    let y32 = c.function(x.float())
    #expect(y32.dtype == .float32)
    for (a, r) in zip(y32.toDoubles(), expected) {
      #expect(Swift.abs(a - r) <= 1e-6 * Swift.max(1, Swift.abs(r)), "\(c.name): float32 \(a) vs \(r)")
    }
  }

  @Test(arguments: activationCases) func layerMatchesFunction(_ c: ActivationCase) {
    guard c.name != "erf" else { return }
    let x = smoothLeaf([5, 4], seed: 11).detached()
    #expect(c.module()(x).toDoubles() == c.function(x).toDoubles())
  }

  @Test(arguments: activationCases) func gradientsOnNonContiguousAndBroadcastInputs(_ c: ActivationCase) {
    let x = smoothLeaf([4, 3], seed: 21, avoiding: c.kinks)
    #expect(!x.isContiguous)
    let direct = gradientCheck({ xs in c.function(xs[0]) }, inputs: [x])
    #expect(direct.passed, "\(c.name): \(direct)")
    // A [1, 3] row broadcast (stride 0) to [4, 3]: every row's gradient must add up in the row.
    let row = smoothLeaf([1, 3], seed: 22, avoiding: c.kinks)
    let broadcast = gradientCheck({ xs in c.function(xs[0].expanded([4, 3])) }, inputs: [row])
    #expect(broadcast.passed, "\(c.name) (broadcast): \(broadcast)")
    // And through the layer.
    let layer = c.module()
    let viaLayer = gradientCheck({ xs in layer(xs[0]) }, inputs: [x])
    #expect(viaLayer.passed, "\(c.name) (layer): \(viaLayer)")
  }

  @Test(arguments: activationCases.filter(\.smooth)) func secondDerivatives(_ c: ActivationCase) {
    let x = smoothLeaf([3, 2], seed: 31, avoiding: c.kinks)
    let result = gradgradCheck({ xs in c.function(xs[0]) }, inputs: [x], seed: 32)
    #expect(result.passed, "\(c.name): \(result)")
  }

  @Test func knownValues() {
    // Values quoted to full precision from the closed forms (Φ(1), σ(1), log(1 + e), …).
    let one = Tensor([1.0, -1.0], dtype: .float64)
    expectClose(gelu(one).toDoubles(), [0.8413447460685429, -0.15865525393145707], tolerance: 1e-15)
    expectClose(silu(one).toDoubles(), [0.7310585786300049, -0.2689414213699951], tolerance: 1e-15)
    expectClose(softplus(one).toDoubles(), [1.3132616875182228, 0.31326168751822286], tolerance: 1e-15)
    expectClose(selu(one).toDoubles(), [1.0507009873554805, -1.1113307378125625], tolerance: 1e-15)
    expectClose(elu(one).toDoubles(), [1, -0.6321205588285577], tolerance: 1e-15)
  }

  @Test func precisionWhereNaiveFormulasFail() {
    // log(1 + e⁻⁵⁰) rounds to 0; softplus keeps e⁻⁵⁰.
    let far = Tensor([-50.0], dtype: .float64)
    #expect(Swift.abs(softplus(far).item() / Foundation.exp(-50) - 1) < 1e-12)
    // e^x − 1 near 0 cancels; elu keeps x − x²/2.
    let tiny = Tensor([-1e-10], dtype: .float64)
    #expect(Swift.abs(elu(tiny).item() / Foundation.expm1(-1e-10) - 1) < 1e-12)
    // Above the threshold softplus is x itself, exactly, with gradient 1.
    let big = Tensor([25.0, 30.5], dtype: .float64).requiringGrad()
    #expect(softplus(big).toDoubles() == [25, 30.5])
    softplus(big).sum().backward()
    #expect(big.grad!.toDoubles() == [1, 1])
    // Huge inputs stay finite in value and gradient.
    let huge = Tensor([-1e4, 1e4], dtype: .float64).requiringGrad()
    for f in [{ elu($0) }, { selu($0) }, { gelu($0) }, { silu($0) }, { softplus($0) }] as [(Tensor) -> Tensor] {
      let y = f(huge)
      y.sum().backward()
      #expect(y.toDoubles().allSatisfy(\.isFinite) && huge.grad!.toDoubles().allSatisfy(\.isFinite))
      huge.zeroGrad()
    }
  }

  @Test func gradientsAtTheKinksFollowPyTorch() {
    func gradient(_ f: (Tensor) -> Tensor, at values: [Double]) -> [Double] {
      let x = Tensor(values, shape: [values.count], dtype: .float64).requiringGrad()
      f(x).sum().backward()
      return x.grad!.toDoubles()
    }
    #expect(gradient({ relu($0) }, at: [0]) == [0])
    #expect(gradient({ leakyRelu($0, negativeSlope: 0.1) }, at: [0]) == [0.1])
    #expect(gradient({ elu($0, alpha: 2) }, at: [0]) == [2])
    // hardtanh: no gradient on the bounds (clamp would pass it there).
    #expect(gradient({ hardtanh($0, minValue: -1, maxValue: 2) }, at: [-1, 2, -1.5, 0.5, 3]) == [0, 0, 0, 1, 0])
  }

  @Test func geluApproximationIsClose() {
    let x = Tensor.linspace(-6, 6, steps: 121, dtype: .float64)
    let gap = (gelu(x) - gelu(x, approximate: .tanh)).abs().max().item()
    #expect(gap > 0 && gap < 1e-3)
  }

  @Test func preluPerChannel() {
    // [N, C, L] = [2, 3, 2]; channel c has slope w[c].
    let values: [Double] = [-1, 2, -3, 4, 5, -6, -0.5, 0.5, -2, 0, 1, -1]
    let x = Tensor(values, shape: [2, 3, 2], dtype: .float64)
    let w: [Double] = [0.1, 0.2, -0.3]
    let y = prelu(x, weight: Tensor(w, shape: [3], dtype: .float64))
    let expected = values.enumerated().map { i, v in v > 0 ? v : w[(i / 2) % 3] * v }
    expectClose(y.toDoubles(), expected, tolerance: 1e-15)

    let layer = PReLU(numParameters: 3)
    #expect(layer.parameterCount == 3 && layer.weight.toDoubles() == [0.25, 0.25, 0.25])
    #expect(layer.namedParameters().map(\.0) == ["weight"])
    #expect(PReLU().parameterCount == 1)
  }

  @Test func preluGradientsReachTheWeight() {
    // One slope per channel of a transposed [4, 3] input, then a single shared slope.
    let x = smoothLeaf([4, 3], seed: 41, avoiding: [0])
    let w = Tensor([0.1, -0.4, 0.7], shape: [3], dtype: .float64).requiringGrad()
    let perChannel = gradientCheck({ xs in prelu(xs[0], weight: xs[1]) }, inputs: [x, w])
    #expect(perChannel.passed, "\(perChannel)")
    let layer = PReLU(dtype: .float64)
    let shared = gradientCheck({ xs in layer(xs[0]) }, inputs: [x])
    #expect(shared.passed, "\(shared)")
    let wrtWeight = gradientCheck({ _ in layer(x.detached()) }, inputs: [layer.weight])
    #expect(wrtWeight.passed, "\(wrtWeight)")
    // A rank-3 input [N, C, L] broadcasting a [1, C, 1] view against its batch.
    let channels = PReLU(numParameters: 2, dtype: .float64)
    let cube = smoothLeaf([1, 2, 3], seed: 42, avoiding: [0])
    let r3 = gradientCheck({ xs in channels(xs[0].expanded([3, 2, 3])) }, inputs: [cube])
    #expect(r3.passed, "\(r3)")
    let r3w = gradientCheck({ _ in channels(cube.detached()) }, inputs: [channels.weight])
    #expect(r3w.passed, "\(r3w)")
  }

  @Test func rreluEvalIsLeakyReluWithTheMeanSlope() {
    let x = Tensor(activationInputs, shape: [activationInputs.count], dtype: .float64)
    let layer = RReLU(lower: 0.1, upper: 0.4, generator: Generator(seed: 3))
    layer.eval()
    #expect(layer(x).toDoubles() == leakyRelu(x, negativeSlope: 0.25).toDoubles())
    #expect(rrelu(x, lower: 0.1, upper: 0.4).toDoubles() == leakyRelu(x, negativeSlope: 0.25).toDoubles())
  }

  @Test func rreluTrainingDrawsSlopesWithinTheBounds() {
    let x = -Tensor.rand([50, 40], dtype: .float64, generator: Generator(seed: 4)) - 0.01   // all negative
    let layer = RReLU(lower: 0.1, upper: 0.4, generator: Generator(seed: 5))
    #expect(layer.isTraining)
    let slopes = (layer(x) / x).toDoubles()
    #expect(slopes.allSatisfy { $0 >= 0.1 && $0 < 0.4 })
    #expect(Set(slopes).count > 1000)   // a slope per element, not one shared
    let mean = slopes.reduce(0, +) / Double(slopes.count)
    #expect(Swift.abs(mean - 0.25) < 0.01)
    // Positive inputs pass unchanged; a seed repeats the draw.
    let positive = Tensor([0.5, 2, 7], dtype: .float64)
    #expect(rrelu(positive, training: true).toDoubles() == [0.5, 2, 7])
    let again = RReLU(lower: 0.1, upper: 0.4, generator: Generator(seed: 5))
    #expect(again(x).toDoubles() == RReLU(lower: 0.1, upper: 0.4, generator: Generator(seed: 5))(x).toDoubles())
    // Training-mode gradients, with the same slopes drawn on every evaluation.
    let leaf = smoothLeaf([4, 3], seed: 6, avoiding: [0])
    let check = gradientCheck({ xs in rrelu(xs[0], training: true, generator: Generator(seed: 7)) }, inputs: [leaf])
    #expect(check.passed, "\(check)")
  }

  @Test func softmaxLayers() {
    let x = smoothLeaf([4, 3], seed: 51)
    for axis in [0, 1, -1] {
      #expect(Softmax(axis: axis)(x).toDoubles() == softmax(x, axis: axis).toDoubles())
      #expect(LogSoftmax(axis: axis)(x).toDoubles() == logSoftmax(x, axis: axis).toDoubles())
      let s = gradientCheck({ xs in Softmax(axis: axis)(xs[0]) }, inputs: [x])
      #expect(s.passed, "\(s)")
      let l = gradientCheck({ xs in LogSoftmax(axis: axis)(xs[0]) }, inputs: [x])
      #expect(l.passed, "\(l)")
    }
    let rows = Softmax(axis: 1)(x).sum(axis: 1).toDoubles()
    expectClose(rows, [1, 1, 1, 1], tolerance: 1e-12)
  }

  @Test func activationLayersHaveNoParameters() {
    let layers: [Module] = [ReLU(), LeakyReLU(), RReLU(), ELU(), SELU(), GELU(), SiLU(), Sigmoid(), Tanh(), Softplus(),
                            Hardtanh(), Softmax(axis: 1), LogSoftmax(axis: 1)]
    #expect(layers.allSatisfy { $0.parameterCount == 0 })
    let net = Sequential(Linear(inFeatures: 3, outFeatures: 4), PReLU(numParameters: 4), Linear(inFeatures: 4, outFeatures: 2), GELU())
    #expect(net.parameterCount == 3 * 4 + 4 + 4 + 4 * 2 + 2)
    #expect(net.namedParameters().map(\.0).contains("1.weight"))
  }

  @Test func preluChannelMismatchNamesTheShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = prelu(Tensor.zeros([2, 4]), weight: Tensor.ones([3]))
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("prelu") && text.contains("[2, 4]"))
  }
}

/// Leaky ReLU is one fused op; `where(x > 0, x, a·x)` is its op-by-op reference.
@Suite("Leaky ReLU against its op-by-op reference") struct LeakyReluReferenceTests {
  @Test func sameValuesAndGradientsFirstAndSecondOrder() {
    let g = Generator(seed: 12)
    let base = Tensor.randn([5, 6], dtype: .float64, generator: g)
    for x0 in [base, base.transposed(), base.narrow(axis: 1, start: 1, length: 3)] {   // contiguous, transposed, sliced
      let x = x0.detached().requiringGrad(), w = Tensor.randn(x0.shape, dtype: .float64, generator: g)
      let fused = leakyRelu(x, negativeSlope: 0.3)
      let reference = Tensor.where(x .> 0, x, x * 0.3)
      #expect(fused.toDoubles() == reference.toDoubles())
      let gf = grad(of: (fused * fused * w).sum(), with: [x], createGraph: true)[0]!
      let gr = grad(of: (reference * reference * w).sum(), with: [x], createGraph: true)[0]!
      #expect(zip(gf.toDoubles(), gr.toDoubles()).allSatisfy { abs($0 - $1) < 1e-12 })
      let hf = grad(of: (gf * gf).sum(), with: [x])[0]!, hr = grad(of: (gr * gr).sum(), with: [x])[0]!
      #expect(zip(hf.toDoubles(), hr.toDoubles()).allSatisfy { abs($0 - $1) < 1e-12 })
    }
  }
}
