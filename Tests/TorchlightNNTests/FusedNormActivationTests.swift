import Foundation
import Testing
@testable import TorchlightNN

@Suite("Fused LayerNorm and GELU") struct FusedNormActivationTests {
  /// The normalized shape, whether γ and β are given, and how x sits in memory.
  struct NormCase: CustomTestStringConvertible, Sendable {
    let normalized: [Int], affine: Bool, layout: AttentionLayout
    var testDescription: String { "\(normalized)\(affine ? "" : " no-affine") \(layout)" }
    static let all: [NormCase] = [[5], [4, 5]].flatMap { shape in
      [true, false].flatMap { affine in AttentionLayout.allCases.map { NormCase(normalized: shape, affine: affine, layout: $0) } }
    }
  }

  func layerNormInputs(_ c: NormCase, batch: [Int] = [3, 4]) -> [Tensor] {
    let xShape = Array(batch.dropLast(c.normalized.count == 2 ? 1 : 0)) + c.normalized
    let x = attentionLeaf(xShape, c.layout, seed: 1, scale: 2)
    guard c.affine else { return [x] }
    return [x, attentionLeaf(c.normalized, seed: 2), attentionLeaf(c.normalized, seed: 3)]
  }

  func norm(_ c: NormCase, _ t: [Tensor], fused: Bool) -> Tensor {
    let w = c.affine ? t[1] : nil, b = c.affine ? t[2] : nil
    return fused ? layerNorm(t[0], normalizedShape: c.normalized, weight: w, bias: b)
                 : layerNormReference(t[0], normalizedShape: c.normalized, weight: w, bias: b)
  }

  @Test(arguments: NormCase.all) func layerNormMatchesTheReference(_ c: NormCase) {
    let t = layerNormInputs(c)
    let fused = norm(c, t, fused: true), reference = norm(c, t, fused: false)
    #expect(maxAbsDifference(fused, reference) < 1e-12)
    #expect(fused.gradFn?.name == "NativeLayerNormBackward")
    let gf = grad(of: weightedSum(fused), with: t), gr = grad(of: weightedSum(reference), with: t)
    #expect(maxGradientDifference(gf, gr) < 1e-12)
  }

  @Test func layerNormGradientsFirstAndSecondOrder() {
    let c = NormCase(normalized: [4], affine: true, layout: .transposed)
    let t = layerNormInputs(c, batch: [3])
    let first = gradientCheck({ norm(c, $0, fused: true) }, inputs: t)
    #expect(first.passed, "\(first)")
    let second = gradgradCheck({ norm(c, $0, fused: true) }, inputs: t)
    #expect(second.passed, "second order: \(second)")
    // Only some inputs require grad: the others get none, and nothing breaks.
    let x = attentionLeaf([2, 4], seed: 9), w = Tensor.ones([4], dtype: .float64), b = attentionLeaf([4], seed: 10)
    let g = grad(of: weightedSum(layerNorm(x, normalizedShape: [4], weight: w, bias: b)), with: [x, b])
    let r = grad(of: weightedSum(layerNormReference(x, normalizedShape: [4], weight: w, bias: b)), with: [x, b])
    #expect(maxGradientDifference(g, r) < 1e-12)
  }

  @Test func layerNormFloat32AndTheModule() {
    let x = Tensor.randn([64, 32], dtype: .float64, generator: Generator(seed: 11)) * 3 + 1
    let exact = layerNormReference(x, normalizedShape: [32])
    #expect(maxAbsDifference(layerNorm(x.to(.float32), normalizedShape: [32]).to(.float64), exact) < 1e-5)
    let layer = LayerNorm(32, dtype: .float64)
    #expect(maxAbsDifference(layer(x), exact) < 1e-12)
  }

  @Test(arguments: [GELUApproximation.none, .tanh], AttentionLayout.allCases)
  func geluMatchesTheReference(_ approximate: GELUApproximation, _ layout: AttentionLayout) {
    let x = attentionLeaf([3, 4, 5], layout, seed: 20, scale: 3)
    let fused = gelu(x, approximate: approximate), reference = geluReference(x, approximate: approximate)
    #expect(maxAbsDifference(fused, reference) < 1e-12)
    #expect(fused.gradFn?.name == "GeluBackward")
    let gf = grad(of: weightedSum(fused), with: [x]), gr = grad(of: weightedSum(reference), with: [x])
    #expect(maxGradientDifference(gf, gr) < 1e-12)
  }

  @Test(arguments: [GELUApproximation.none, .tanh]) func geluGradientsFirstAndSecondOrder(_ approximate: GELUApproximation) {
    let x = attentionLeaf([2, 5], .strided, seed: 21, scale: 2)
    let first = gradientCheck({ gelu($0[0], approximate: approximate) }, inputs: [x])
    #expect(first.passed, "\(first)")
    let second = gradgradCheck({ gelu($0[0], approximate: approximate) }, inputs: [x])
    #expect(second.passed, "second order: \(second)")
  }

  /// Float32 GELU runs a vectorised Φ, exp and tanh: close to the exact values, forward and
  /// backward, over the range where it matters and far out.
  @Test(arguments: [GELUApproximation.none, .tanh]) func geluFloat32IsAccurate(_ approximate: GELUApproximation) {
    let values = (0..<4001).map { Double(Float(-10 + Double($0) * 0.005)) }   // exact in float32 too
    let x = Tensor(values).requiringGrad(), xf = Tensor(values).to(.float32).detached().requiringGrad()
    let exact = gelu(x, approximate: approximate), single = gelu(xf, approximate: approximate)
    let y = exact.toDoubles(), ys = single.toDoubles()
    // The exact form's Φ is within 1.5·10⁻⁷ (Abramowitz & Stegun 7.1.28), so y within that times |x|.
    for i in values.indices {
      #expect(Swift.abs(ys[i] - y[i]) <= 1.6e-7 * Swift.abs(values[i]) + 2.4e-7 * max(1, Swift.abs(y[i])), "gelu(\(values[i]))")
    }
    let d = grad(of: exact.sum(), with: [x])[0]!.toDoubles(), ds = grad(of: single.sum(), with: [xf])[0]!.toDoubles()
    for i in values.indices { #expect(Swift.abs(ds[i] - d[i]) <= 1e-6, "gelu′(\(values[i]))") }
  }
}
