import Foundation
import Testing
@testable import Torchlight

/// The bit patterns of a float16 or bfloat16 tensor's elements, row-major.
func halfBits(_ t: Tensor) -> [UInt16] {
  switch t.dtype {
  case .float16: t.toArray(Float16.self).map(\.bitPattern)
  case .bfloat16: t.toArray(BFloat16.self).map(\.bitPattern)
  default: fatalError("halfBits: \(t.dtype) is not a half format")
  }
}

enum HalfFormat: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case float16, bfloat16
  var dtype: DType { self == .float16 ? .float16 : .bfloat16 }
  var testDescription: String { rawValue }
}

@Suite struct HalfTensorTests {
  @Test func storageIsTwoBytesPerElement() {
    for dtype in [DType.float16, .bfloat16] {
      let t = Tensor.zeros([3, 5], dtype: dtype)
      #expect(dtype.itemSize == 2 && dtype.elementSize == 2 && t.elementSize == 2)
      #expect(t.storage.byteCount == 30 && t.byteCount == 30)
      #expect(dtype.isFloatingPoint && dtype.isReducedPrecision)
    }
    #expect(!DType.float32.isReducedPrecision && Tensor.zeros([2]).elementSize == 4)
  }

  @Test func printingShowsTheRoundedValuesAndTheDType() {
    let b = Tensor([0.1, 1000.5, -3]).to(.bfloat16)
    #expect(b.description == "tensor([ 1.0010e-01,  1.0000e+03, -3.0000e+00], dtype=bfloat16)")
    let h = Tensor([0.1, 2, 70000]).to(.float16)
    #expect(h.description == "tensor([0.1000, 2.0000,    inf], dtype=float16)")
    #expect(Tensor([1, 2]).to(.bfloat16).description == "tensor([1., 2.], dtype=bfloat16)")
  }

  @Test func castsRoundToNearestEvenBothWays() {
    // float64 → half rounds through float32 (as PyTorch does); half → float is exact.
    let values: [Double] = [0.1, 1 + 0x1p-8, 1 + 0x1p-9, 1 + 3 * 0x1p-9, 65519, 65520, 1e6, -1e-9, 0x1p-24, 0x1p-25]
    let source = Tensor(values, shape: [values.count], dtype: .float64)
    let b = source.to(.bfloat16), h = source.to(.float16)
    #expect(b.dtype == .bfloat16 && h.dtype == .float16)
    #expect(b.toDoubles() == values.map { Double(BFloat16(rounding: Float($0)).floatValue) })
    #expect(h.toDoubles() == values.map { Double(Float16(Float($0))) })
    #expect(b.toDoubles()[1] == 1 && b.toDoubles()[2] == 1 && b.toDoubles()[3] == 1 + 0x1p-7, "ties to even: 1 + 2⁻⁸ → 1, 1 + 3·2⁻⁹ → 1 + 2⁻⁷")
    #expect(h.toDoubles()[4] == 65504 && h.toDoubles()[5] == .infinity && h.toDoubles()[6] == .infinity, "overflow to inf from 65,520")
    #expect(b.toDoubles()[6] == 999_424, "bfloat16 keeps float32's range: 10⁶ stays finite (999,424)")
    #expect(h.toDoubles()[8] == 0x1p-24 && h.toDoubles()[9] == 0, "float16 subnormals, and underflow to zero")
    // Every pair of dtypes converts, the half formats through float32.
    let x = Tensor([-2.75, 0, 1.5, 3])
    for from in [DType.float16, .bfloat16] {
      let y = x.to(from)
      #expect(y.to(.float32).toArray(Float.self) == [-2.75, 0, 1.5, 3])
      #expect(y.to(.float64).toArray(Double.self) == [-2.75, 0, 1.5, 3])
      #expect(y.to(.int64).toArray(Int64.self) == [-2, 0, 1, 3], "toward zero")
      #expect(y.to(.bool).toArray(Bool.self) == [true, false, true, true])
      #expect(y.to(from == .float16 ? .bfloat16 : .float16).toDoubles() == [-2.75, 0, 1.5, 3])
    }
    #expect(Tensor([Int64(3), -7]).to(.float16).toDoubles() == [3, -7])
    #expect(Tensor([true, false]).to(.bfloat16).toDoubles() == [1, 0])
    #expect(Tensor([Int64(257)]).to(.bfloat16).item() == 256, "257 needs 9 significant bits; bfloat16 has 8")
  }

  @Test func promotionFollowsPyTorch() {
    let h = Tensor([1.0]).half(), b = Tensor([1.0]).bfloat16(), f = Tensor([1.0]), d = Tensor([1.0]).double()
    let i = Tensor([Int64(1)]), m = Tensor([true])
    #expect(DType.promoted(.float16, .bfloat16) == .float32 && (h + b).dtype == .float32)
    #expect((h + f).dtype == .float32 && (f * b).dtype == .float32)
    #expect((h - d).dtype == .float64 && (d / b).dtype == .float64)
    #expect((h * i).dtype == .float16 && (i + b).dtype == .bfloat16)
    #expect((h + m).dtype == .float16 && (m * b).dtype == .bfloat16)
    #expect((h / i).dtype == .float16, "division keeps a float dtype")
    // Swift numbers act like Python scalars: they do not widen the half format.
    #expect((h * 0.5).dtype == .float16 && (2 + b).dtype == .bfloat16 && (b / 3).dtype == .bfloat16)
    #expect((h .> 0.5).dtype == .bool && (b.pow(2)).dtype == .bfloat16)
    // An integer tensor with a fractional number still takes the default float dtype.
    #expect((i + 0.5).dtype == .float32)
  }

  /// PyTorch's CPU kernels multiply by the Python scalar at float32 precision, not by the scalar
  /// first rounded to the half format: bfloat16(9) × 0.1 is bfloat16(0.9000000358) = 0.8984375,
  /// where bfloat16(9) × bfloat16(0.1) would give 0.90234375. (Values printed by PyTorch 2.)
  @Test func aSwiftNumberIsNotRoundedToTheHalfFormatFirst() {
    #expect((Tensor([9.0]).bfloat16() * 0.1).item() == 0.8984375)
    #expect((Tensor([3.0]).half() * 0.1).item() == 0.300048828125)
    #expect((Tensor([7.0]).bfloat16() * 0.01).item() == 0.06982421875)
  }

  /// The rule of every op on a half tensor: widen to float32, compute there, round once.
  @Test("ops compute in float32 and round once", arguments: HalfFormat.allCases, TestLayout.allCases)
  func opsMatchFloat32RoundedOnce(_ format: HalfFormat, _ layout: TestLayout) {
    let dtype = format.dtype
    let x = sample([3, 4], layout, seed: 41, dtype: dtype), y = sample([3, 4], layout, seed: 42, dtype: dtype)
    let row = sample([4], .contiguous, seed: 43, dtype: dtype), m = sample([4, 5], layout, seed: 44, dtype: dtype)
    let positive = x.abs() + 0.25
    let cases: [(String, (Tensor, Tensor, Tensor, Tensor) -> Tensor)] = [
      ("exp", { x, _, _, _ in x.exp() }), ("log", { x, _, _, _ in x.log() }), ("sqrt", { x, _, _, _ in x.sqrt() }),
      ("sin", { x, _, _, _ in x.sin() }), ("tanh", { x, _, _, _ in x.tanh() }), ("sigmoid", { x, _, _, _ in x.sigmoid() }),
      ("neg", { x, _, _, _ in -x }), ("abs", { x, _, _, _ in x.abs() }), ("sign", { x, _, _, _ in x.sign() }),
      ("relu", { x, _, _, _ in x.relu() }), ("leakyRelu", { x, _, _, _ in x.leakyRelu(negativeSlope: 0.1) }),
      ("clamp", { x, _, _, _ in x.clamp(min: -1, max: 0.7) }), ("pow 1.5", { x, _, _, _ in x.pow(1.5) }),
      ("x * 0.1", { x, _, _, _ in x * 0.1 }), ("1 / x", { x, _, _, _ in 1 / x }),
      ("x + y", { x, y, _, _ in x + y }), ("x - y", { x, y, _, _ in x - y }), ("x * y", { x, y, _, _ in x * y }),
      ("x / y", { x, y, _, _ in x / y }), ("x + row", { x, _, r, _ in x + r }), ("pow", { x, y, _, _ in x.pow(y) }),
      ("maximum", { x, y, _, _ in Tensor.maximum(x, y) }), ("minimum", { x, y, _, _ in Tensor.minimum(x, y) }),
      ("matmul", { x, _, _, m in x.matmul(m) }), ("sum", { x, _, _, _ in x.sum() }),
      ("sum axis 0", { x, _, _, _ in x.sum(axis: 0) }), ("mean axis 1", { x, _, _, _ in x.mean(axis: 1) }),
      ("mean", { x, _, _, _ in x.mean() }), ("prod axis 1", { x, _, _, _ in x.prod(axis: 1) }),
      ("amax", { x, _, _, _ in x.amax(axes: [1]) }), ("amin", { x, _, _, _ in x.amin() }),
      ("max values", { x, _, _, _ in x.max(axis: 0).values }), ("variance", { x, _, _, _ in x.variance(axis: 1) }),
      ("logsumexp", { x, _, _, _ in x.logsumexp(axis: 1) }), ("where", { x, y, _, _ in Tensor.where(x .> y, x, y) }),
      ("transposed copy", { x, _, _, _ in x.transposed().contiguous() }),
    ]
    for (name, op) in cases {
      let input = name == "log" || name == "sqrt" || name == "pow" || name == "pow 1.5" ? positive : x
      let half = op(input, y, row, m)
      let reference = op(input.float(), y.float(), row.float(), m.float()).to(dtype)
      #expect(half.dtype == dtype && half.shape == reference.shape, "\(name): \(half.dtype) \(half.shape)")
      #expect(halfBits(half) == halfBits(reference), "\(name) on \(format) \(layout): \(half.toDoubles()) vs \(reference.toDoubles())")
    }
    #expect(x.argmax(axis: 1).toArray(Int64.self) == x.float().argmax(axis: 1).toArray(Int64.self))
    #expect((x .< y).toArray(Bool.self) == (x.float() .< y.float()).toArray(Bool.self))
  }

  /// 10,000 × 0.1: the sum is accumulated in float32 and rounded once; a running sum kept in the
  /// half format would stall where the spacing of its numbers exceeds twice 0.1.
  @Test func sumsAccumulateInFloat32() {
    let b = Tensor.full([10_000], 0.1, dtype: .bfloat16)
    let term = BFloat16(rounding: 0.1).floatValue
    var float32Sum: Float = 0, naive = BFloat16(rounding: 0)
    for _ in 0..<10_000 {
      float32Sum += term
      naive = BFloat16(rounding: naive.floatValue + term)
    }
    #expect(naive.floatValue == 32, "the naive bfloat16 running sum stalls at 32")
    #expect(b.sum().item() == Double(BFloat16(rounding: float32Sum).floatValue))
    #expect(b.sum().item() == 1000 && b.sum().dtype == .bfloat16)
    #expect(b.mean().item() == Double(BFloat16(rounding: 0.1).floatValue), "the mean is one rounding of sum / n")

    let h = Tensor.full([10_000], 0.1, dtype: .float16)
    var naiveHalf = Float16(rounding: 0)
    for _ in 0..<10_000 { naiveHalf = Float16(rounding: naiveHalf.floatValue + Float16(rounding: 0.1).floatValue) }
    #expect(naiveHalf.floatValue == 256, "the naive float16 running sum stalls at 256")
    #expect(h.sum().item() == 1000 && h.sum().dtype == .float16)
  }

  @Test func inPlaceOpsRoundOnceAndKeepTheDType() {
    let b = Tensor([9.0, 3]).bfloat16()
    b *= 0.1
    #expect(b.dtype == .bfloat16 && b.toDoubles() == [0.8984375, 0.30078125])
    let h = Tensor([1.0, 2]).half()
    h += Tensor([0.1, 0.2])
    h /= Tensor([3.0]).half()
    func f16(_ x: Float) -> Float { Float16(rounding: x).floatValue }
    #expect(h.dtype == .float16 && h.toDoubles() == [Double(f16(f16(1 + 0.1) / 3)), Double(f16(f16(2 + 0.2) / 3))])
    let filled = Tensor.zeros([3], dtype: .float16)
    filled.fill(70000)
    #expect(filled.toDoubles() == [.infinity, .infinity, .infinity])
    filled.copy(from: Tensor([1.0, 0.1, -2]))
    #expect(filled.toDoubles() == [1, Double(Float16(0.1 as Float)), -2])
  }

  @Test func elementAccessAndCreation() {
    let t = Tensor.zeros([2, 2], dtype: .bfloat16)
    t.setElement(at: [0, 1], 3.14159)
    #expect(t.element(at: [0, 1]) == 3.140625 && t[0, 1].item() == 3.140625)
    #expect(Tensor.ones([2], dtype: .float16).toDoubles() == [1, 1])
    #expect(Tensor.arange(0, 4, dtype: .bfloat16).toDoubles() == [0, 1, 2, 3])
    #expect(Tensor.randn([64], dtype: .bfloat16, generator: Generator(seed: 3)).dtype == .bfloat16)
    let values = [BFloat16(rounding: 1.5), BFloat16(rounding: -0.25)]
    #expect(Tensor(values, shape: [2]).dtype == .bfloat16 && Tensor(values, shape: [2]).toDoubles() == [1.5, -0.25])
    #expect(Tensor.cat([Tensor([1.0]).half(), Tensor([2.0]).half()]).toDoubles() == [1, 2])
  }
}
