import Foundation
import Testing
@testable import Torchlight

@Suite("Elementwise ops") struct ElementwiseTests {
  static var unary: [(String, (Tensor) -> Tensor, (Double) -> Double)] { [
    ("exp", { $0.exp() }, Foundation.exp), ("log", { $0.abs().log() }, { Foundation.log(Swift.abs($0)) }),
    ("sqrt", { $0.abs().sqrt() }, { Swift.abs($0).squareRoot() }), ("abs", { $0.abs() }, { Swift.abs($0) }),
    ("sin", { $0.sin() }, Foundation.sin), ("cos", { $0.cos() }, Foundation.cos), ("tanh", { $0.tanh() }, Foundation.tanh),
    ("sigmoid", { $0.sigmoid() }, { 1 / (1 + Foundation.exp(-$0)) }), ("relu", { $0.relu() }, { max($0, 0) }),
    ("neg", { -$0 }, { -$0 }), ("clamp", { $0.clamp(min: -1, max: 0.5) }, { min(max($0, -1), 0.5) }),
    ("pow 3", { $0.pow(3) }, { $0 * $0 * $0 }), ("pow 2.5", { $0.abs().pow(2.5) }, { Foundation.pow(Swift.abs($0), 2.5) }),
    ("sign", { $0.sign() }, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }),
  ] }

  @Test("unary ops match the scalar functions", arguments: TestLayout.allCases)
  func unaryOps(_ layout: TestLayout) {
    for (shape, seed) in [([3, 4], 1), ([2, 3, 5], 2), ([7], 3), ([], 4)] as [([Int], UInt64)] {
      let x = sample(shape, layout, seed: seed)
      let logical = x.toDoubles()
      for (name, op, reference) in Self.unary {
        let y = op(x)
        #expect(y.shape == shape)
        expectClose(y.toDoubles(), logical.map { Double(Float(reference($0))) }, tolerance: 1e-5, "\(name) on \(layout) \(shape)")
      }
    }
  }

  static var binary: [(String, (Tensor, Tensor) -> Tensor, (Double, Double) -> Double)] { [
    ("add", +, +), ("sub", -, -), ("mul", *, *), ("div", /, /),
    ("maximum", Tensor.maximum, { max($0, $1) }), ("minimum", Tensor.minimum, { min($0, $1) }),
    ("pow", { $0.abs().pow($1) }, { Foundation.pow(Swift.abs($0), $1) }),
  ] }
  static let shapePairs: [([Int], [Int])] = [([3, 4], [3, 4]), ([3, 1], [4]), ([2, 1, 3], [5, 1]), ([], [2, 3]), ([4, 1], [1, 5]), ([2, 3, 4], [4])]

  @Test("binary ops broadcast like NumPy", arguments: TestLayout.allCases)
  func binaryOps(_ layout: TestLayout) {
    for (sa, sb) in Self.shapePairs {
      let a = sample(sa, layout, seed: 10), b = sample(sb, .contiguous, seed: 11)
      let out = referenceBroadcast(sa, sb)
      let va = a.toDoubles(), vb = b.toDoubles()
      for (name, op, reference) in Self.binary {
        for (x, y, flipped) in [(a, b, false), (b, a, true)] {
          let r = op(x, y)
          #expect(r.shape == out, "\(name) \(x.shape) with \(y.shape)")
          let expected = indices(of: out).map { i -> Double in
            let p = broadcastValue(va, sa, at: i), q = broadcastValue(vb, sb, at: i)
            return Double(Float(flipped ? reference(q, p) : reference(p, q)))
          }
          expectClose(r.toDoubles(), expected, tolerance: 1e-5, "\(name) \(x.shape)·\(y.shape) (\(layout))")
        }
      }
    }
  }

  @Test("broadcast operands read through stride 0", arguments: TestLayout.allCases)
  func expandedOperands(_ layout: TestLayout) {
    let a = sample([3, 1], layout, seed: 12).expanded(3, 4)
    let b = sample([3, 4], layout, seed: 13)
    #expect(a.strides[1] == 0)
    let expected = zip(a.toDoubles(), b.toDoubles()).map { Double(Float($0 * $1)) }
    expectClose((a * b).toDoubles(), expected, "expanded * \(layout)")
  }

  @Test func comparisonsAndWhere() {
    let a = Tensor([[1.0, 2, 3], [4, 5, 6]]), b = Tensor([3.0, 2, 1])
    #expect((a .> b).toArray(Bool.self) == [false, false, true, true, true, true])
    #expect((a .>= b).toArray(Bool.self) == [false, true, true, true, true, true])
    #expect((a .< b).toArray(Bool.self) == [true, false, false, false, false, false])
    #expect((a .<= 2).toArray(Bool.self) == [true, true, false, false, false, false])
    #expect((a .== b).toArray(Bool.self) == [false, true, false, false, false, false])
    #expect((a .!= 5).toArray(Bool.self) == [true, true, true, true, false, true])
    let picked = Tensor.where(a .> 2.5, a, Tensor(-1.0))
    #expect(picked.toDoubles() == [-1, -1, 3, 4, 5, 6])
    #expect((a .> 2).logicalNot().toArray(Bool.self) == [true, true, false, false, false, false])
  }

  @Test func scalarOperandsKeepTheTensorsDType() {
    let f = Tensor([1.0, 2.0], dtype: .float64)
    #expect((f + 1).dtype == .float64 && (2 * f).dtype == .float64 && (f / 4).dtype == .float64 && (1 - f).dtype == .float64)
    let i = Tensor([1, 2])
    #expect((i + 1).dtype == .int64 && (i * 2).toDoubles() == [2, 4])
    #expect((i + 0.5).dtype == .float32 && (i + 0.5).toDoubles() == [1.5, 2.5])
    #expect((1 / Tensor([2.0, 4.0])).toDoubles() == [0.5, 0.25])
  }

  @Test func dtypePromotion() {
    let i = Tensor([3, 4]), f = Tensor([0.5, 0.5]), d = Tensor([1.0, 1.0], dtype: .float64), m = Tensor([true, false])
    #expect((i + f).dtype == .float32)
    #expect((f + d).dtype == .float64)
    #expect((i / Tensor([2, 2])).dtype == .float32 && (i / Tensor([2, 2])).toDoubles() == [1.5, 2])
    #expect((m + m).dtype == .int64 && (m + m).toDoubles() == [2, 0])
    #expect((i * f).toDoubles() == [1.5, 2])
  }

  @Test("casts between every pair of dtypes", arguments: TestLayout.allCases)
  func casts(_ layout: TestLayout) {
    let x = sample([2, 3], layout, seed: 14)
    let v = x.toDoubles()
    for target in DType.allCases {
      let y = x.to(target)
      #expect(y.dtype == target && y.shape == x.shape)
      let expected: [Double] = switch target {
      case .float32, .float64: v
      case .float16: v.map { Double(Float16(rounding: Float($0)).floatValue) }
      case .bfloat16: v.map { Double(BFloat16(rounding: Float($0)).floatValue) }
      case .int64: v.map { $0.rounded(.towardZero) }
      case .bool: v.map { $0 != 0 ? 1 : 0 }
      }
      expectClose(y.toDoubles(), expected, "to(\(target)) from \(layout)")
      for back in DType.allCases { #expect(y.to(back).dtype == back) }
    }
    #expect(x.to(.float32) === x, "same dtype returns the tensor itself")
    #expect(x.to(.float32, copy: true) !== x)
  }

  @Test func badBroadcastStopsNamingTheOpAndBothShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
    }
    let text = stderrOf(result)
    #expect(text.contains("add") && text.contains("[2, 3]") && text.contains("[4]"))
  }
}
