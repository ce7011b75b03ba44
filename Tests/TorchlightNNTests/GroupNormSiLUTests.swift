import Foundation
import Testing
@testable import TorchlightNN

/// A float64 leaf of `shape` laid out non-contiguously (its axes stored in reverse order).
private func scrambled(_ shape: [Int], seed: UInt64) -> Tensor {
  let axes = Array((0..<shape.count).reversed())
  let stored = Tensor.randn(axes.map { shape[$0] }, dtype: .float64, generator: Generator(seed: seed)) * 1.5 + 0.3
  return stored.permuted(axes).detached().requiringGrad()
}

private func randn(_ shape: [Int], seed: UInt64, dtype: DType = .float64) -> Tensor {
  Tensor.randn(shape, dtype: dtype, generator: Generator(seed: seed))
}

/// The fused group norm (+ SiLU) kernel against its op-by-op definition.
@Suite("GroupNorm + SiLU, fused") struct GroupNormSiLUTests {
  /// Values and first gradients of `fused` and `reference` agree to 1e-12 in float64.
  private func expectSame(_ fused: ([Tensor]) -> Tensor, _ reference: ([Tensor]) -> Tensor, _ inputs: [Tensor], seed: UInt64,
                          _ label: String) {
    let f = fused(inputs), r = reference(inputs)
    #expect((f - r).abs().max().item() < 1e-12, "\(label): values")
    let probe = randn(f.shape, seed: seed)
    let wanted = inputs.filter(\.requiresGrad)
    let gf = grad(of: (f * probe).sum(), with: wanted), gr = grad(of: (r * probe).sum(), with: wanted)
    for (a, b) in zip(gf, gr) { #expect((a! - b!).abs().max().item() < 1e-12, "\(label): gradient") }
  }

  @Test func matchesTheOpByOpReferenceOnStridedAndBroadcastInputs() {
    let w = randn([4], seed: 2).requiringGrad(), b = randn([4], seed: 3).requiringGrad()
    // Non-contiguous [N, C, H, W]; a broadcast one (one image expanded over the batch); rank 3.
    let broadcast = randn([1, 4, 3, 2], seed: 4).requiringGrad()
    // Each case maps its leaf to the input, so every call records a fresh expand.
    let cases: [(String, Tensor, (Tensor) -> Tensor, Int)] = [
      ("strided", scrambled([3, 4, 2, 3], seed: 1), { $0 }, 2),
      ("broadcast", broadcast, { $0.expanded(3, 4, 3, 2) }, 4),
      ("rank 3", scrambled([2, 4, 5], seed: 5), { $0 }, 1),
    ]
    for (label, x, view, groups) in cases {
      let inputs = [x, w, b]
      expectSame({ groupNormSiLU(view($0[0]), numGroups: groups, weight: $0[1], bias: $0[2]) },
                 { siluReference(groupNormReference(view($0[0]), numGroups: groups, weight: $0[1], bias: $0[2])) }, inputs,
                 seed: 6, "groupNormSiLU \(label)")
      expectSame({ groupNorm(view($0[0]), numGroups: groups, weight: $0[1], bias: $0[2]) },
                 { groupNormReference(view($0[0]), numGroups: groups, weight: $0[1], bias: $0[2]) }, inputs,
                 seed: 7, "groupNorm \(label)")
    }
    // Without γ and β.
    let x = scrambled([2, 6, 3], seed: 8)
    expectSame({ groupNormSiLU($0[0], numGroups: 3) }, { siluReference(groupNormReference($0[0], numGroups: 3)) }, [x],
               seed: 9, "no affine")
  }

  @Test func gradientsPassFirstAndSecondOrderChecks() {
    let w = randn([4], seed: 12).requiringGrad(), b = randn([4], seed: 13).requiringGrad()
    let x = scrambled([2, 4, 3, 2], seed: 11)
    let first = gradientCheck({ v in groupNormSiLU(v[0], numGroups: 2, weight: v[1], bias: v[2]) }, inputs: [x, w, b])
    #expect(first.passed, "groupNormSiLU: \(first)")
    let broadcast = randn([2, 4, 1, 3], seed: 14).requiringGrad()
    let spread = gradientCheck({ v in groupNormSiLU(v[0].expanded(2, 4, 2, 3), numGroups: 4, weight: v[1]) }, inputs: [broadcast, w])
    #expect(spread.passed, "groupNormSiLU on a broadcast input: \(spread)")
    let second = gradgradCheck({ v in groupNormSiLU(v[0], numGroups: 2, weight: v[1], bias: v[2]) },
                               inputs: [scrambled([2, 4, 3], seed: 15), w, b], seed: 16)
    #expect(second.passed, "groupNormSiLU gradgrad: \(second)")
    let plain = gradgradCheck({ v in groupNorm(v[0], numGroups: 2, weight: v[1], bias: v[2]) },
                              inputs: [scrambled([2, 4, 3], seed: 17), w, b], seed: 18)
    #expect(plain.passed, "groupNorm gradgrad: \(plain)")
  }

  @Test func float32KernelAgreesWithFloat64AndRepeatsItself() {
    // Large enough (36,864 values) to run on several threads when there are several.
    let x64 = randn([8, 16, 16, 18], seed: 21) * 2 + 0.5, w64 = randn([16], seed: 22), b64 = randn([16], seed: 23)
    let g64 = randn([8, 16, 16, 18], seed: 24)
    func run(_ dtype: DType) -> [Tensor] {
      let x = x64.to(dtype).detached().requiringGrad(), w = w64.to(dtype).detached().requiringGrad()
      let b = b64.to(dtype).detached().requiringGrad()
      let y = groupNormSiLU(x, numGroups: 4, weight: w, bias: b)
      y.backward(gradient: g64.to(dtype))
      return [y, x.grad!, w.grad!, b.grad!].map { $0.to(.float64) }
    }
    let exact = run(.float64), single = run(.float32), again = run(.float32)
    for (name, (a, e)) in zip(["y", "dx", "dγ", "dβ"], zip(single, exact)) {
      let scale = Swift.max(1, e.abs().max().item())
      #expect((a - e).abs().max().item() < 1e-4 * scale, "float32 \(name)")
    }
    for (a, b) in zip(single, again) { #expect((a - b).abs().max().item() == 0, "run to run") }
  }
}
