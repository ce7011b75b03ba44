import Foundation
import Testing
@testable import TorchlightOptim

/// SGD writes a contiguous parameter in place, in one pass; a strided one goes through
/// contiguous copies. Both must give the same bits, for every option.
@Suite("SGD in place") struct SGDInPlaceTests {
  /// Three steps of `options` on a float32 parameter from a seeded start, with seeded gradients,
  /// through `update` (the in-place pass or the copies); the parameter and buffer after each.
  static func run(_ options: SGD.Options, inPlace: Bool) -> [[Float]] {
    let g = Generator(seed: 11)
    let p = Tensor.randn([7, 5], generator: g)
    let state = ParameterState()
    var seen: [[Float]] = []
    for _ in 0..<3 {
      let grad = Tensor.randn([5, 7], generator: g).transposed()   // a strided gradient
      withNoGrad {
        if inPlace { SGD.update(Float.self, p, grad, state, options) } else { SGD.updateByCopies(Float.self, p, grad, state, options) }
      }
      seen.append(p.toArray(Float.self) + (state.buffers["momentum_buffer"]?.toArray(Float.self) ?? []))
    }
    return seen
  }

  @Test(arguments: [(0.0, 0.0, 0.0, false, false), (0.0, 0.0, 0.1, false, true), (0.9, 0.0, 0.0, false, false),
                    (0.9, 0.5, 0.01, false, false), (0.9, 0.0, 0.01, true, false), (0.8, 0.0, 0.0, true, true)])
  func inPlaceMatchesCopies(momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool, maximize: Bool) {
    let o = SGD.Options(lr: 0.05, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                        nesterov: nesterov, maximize: maximize)
    #expect(Self.run(o, inPlace: true) == Self.run(o, inPlace: false))
  }

  /// A parameter that is a transposed view takes the copying path and still moves every view.
  @Test func stridedParameter() {
    let base = Tensor(Array(stride(from: 0.0, to: 6.0, by: 1.0)), shape: [2, 3], dtype: .float32)
    let p = base.transposed().requiringGrad()
    p.setGrad(Tensor.ones([3, 2]))
    let optimizer = SGD(parameters: [p], lr: 0.5)
    optimizer.step()
    #expect(base.toArray(Float.self) == [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5])
  }
}
