import Foundation
import Testing
@testable import Torchlight

@Suite struct VectorExpTests {
  /// The vectorisable float32 eˣ is within 2 ulp of the C library over [−87, 88],
  /// saturates instead of overflowing, and passes NaN through; σ built on it stays in [0, 1].
  @Test func vectorExpAgreesWithTheCLibrary() {
    var worst: Float = 0
    var x: Float = -87
    while x < 88 {
      let exact = Foundation.expf(x), fast = vectorExp(x)
      worst = Swift.max(worst, Swift.abs(fast - exact) / exact.ulp)
      x += 0.0137
    }
    #expect(worst <= 2, "worst error \(worst) ulp")
    #expect(vectorExp(0) == 1)
    #expect(vectorExp(-1000) >= 0 && vectorExp(-1000) < 1e-37)
    #expect(vectorExp(1000).isFinite && vectorExp(1000) > 1e38)
    #expect(vectorExp(.nan).isNaN)
    for v: Float in [-1e4, -50, -1, 0, 1e-6, 3, 50, 1e4] {
      let s = vectorSigmoid(v), exact = Float(1 / (1 + Foundation.exp(-Double(v))))
      #expect(s >= 0 && s <= 1 && Swift.abs(s - exact) <= 2 * Swift.max(exact.ulp, Float.leastNormalMagnitude), "σ(\(v))")
    }
    #expect(vectorSigmoid(.nan).isNaN)
  }
}
