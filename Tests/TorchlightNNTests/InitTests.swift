import Foundation
import Testing
@testable import TorchlightNN

/// Sample mean and (population) standard deviation, accumulated in Double.
private func moments(_ values: [Double]) -> (mean: Double, std: Double) {
  let n = Double(values.count)
  let mean = values.reduce(0, +) / n
  let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
  return (mean, variance.squareRoot())
}

/// Checks that `values` look drawn from a distribution with this mean and standard deviation.
///
/// The tolerances are 6 standard errors of the estimates for this sample size: σ/√n for the
/// mean and at most σ·√(1/(2n)) for the standard deviation (exact for a normal; a uniform's is
/// smaller, σ·√(1/(5n))). Six standard errors are exceeded with probability about 2·10⁻⁹, and
/// the generators are seeded besides, so these checks cannot flake.
private func expectMoments(_ values: [Double], mean: Double, std: Double, _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
  let n = Double(values.count)
  let (m, s) = moments(values)
  let meanTolerance = 6 * std / n.squareRoot()
  let stdTolerance = 6 * std * (1 / (2 * n)).squareRoot()
  #expect(Swift.abs(m - mean) < meanTolerance, "\(what): mean \(m), expected \(mean) ± \(meanTolerance)", sourceLocation: sourceLocation)
  #expect(Swift.abs(s - std) < stdTolerance, "\(what): std \(s), expected \(std) ± \(stdTolerance)", sourceLocation: sourceLocation)
}

/// Every value in [−bound, bound], and the largest within 0.1% of the bound (with n ≥ 10⁵
/// uniform draws, the chance that none lands in the top 0.1% is below e⁻¹⁰⁰).
private func expectFillsSymmetricBound(_ t: Tensor, _ bound: Double, _ what: String,
                                       sourceLocation: SourceLocation = #_sourceLocation) {
  // Compare in the tensor's own precision: a float32 draw just below the bound may round onto it.
  let limit = t.dtype == .float32 ? Double(Float(bound)) : bound
  let values = t.toDoubles()
  let largest = values.map(Swift.abs).max() ?? 0
  #expect(largest <= limit, "\(what): |value| \(largest) exceeds the bound \(bound)", sourceLocation: sourceLocation)
  #expect(largest > 0.999 * bound, "\(what): largest |value| \(largest) is far below the bound \(bound)", sourceLocation: sourceLocation)
}

/// Exact bit patterns, so "repeats exactly" means exactly.
private func bits(_ t: Tensor) -> [UInt64] {
  switch t.dtype {
  case .float32: t.toArray(Float.self).map { UInt64($0.bitPattern) }
  case .float64: t.toArray(Double.self).map(\.bitPattern)
  case .float16: t.toArray(Float16.self).map { UInt64($0.bitPattern) }
  case .bfloat16: t.toArray(BFloat16.self).map { UInt64($0.bitPattern) }
  case .int64: t.toArray(Int64.self).map { UInt64(bitPattern: $0) }
  case .bool: t.toArray(Bool.self).map { $0 ? 1 : 0 }
  }
}

/// ‖A − B‖∞ of two equally long arrays.
private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
  zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
}

/// M·Mᵀ (rows = true) or Mᵀ·M for M = `t` seen as [shape[0], rest], computed in float64.
private func gram(_ t: Tensor, ofRows: Bool) -> Tensor {
  let m = t.to(.float64).reshaped([t.shape[0], t.count / t.shape[0]])
  return ofRows ? m.matmul(m.t()) : m.t().matmul(m)
}

/// ‖G − c·I‖∞.
private func distanceFromScaledIdentity(_ g: Tensor, _ c: Double = 1) -> Double {
  maxDifference(g.toDoubles(), Tensor.eye(g.shape[0], dtype: .float64).toDoubles().map { $0 * c })
}

/// Every random initialiser, with its arguments fixed, for the tests that treat them alike.
private typealias Initialiser = (name: String, run: (Tensor, Generator) -> Void)

private func randomInitialisers() -> [Initialiser] { [
  ("uniform", { Init.uniform($0, low: -0.5, high: 2, generator: $1) }),
  ("normal", { Init.normal($0, mean: 1, std: 0.3, generator: $1) }),
  ("xavierUniform", { Init.xavierUniform($0, gain: 1.5, generator: $1) }),
  ("xavierNormal", { Init.xavierNormal($0, generator: $1) }),
  ("kaimingUniform", { Init.kaimingUniform($0, generator: $1) }),
  ("kaimingNormal", { Init.kaimingNormal($0, mode: .fanOut, nonlinearity: .relu, generator: $1) }),
  ("orthogonal", { Init.orthogonal($0, gain: 2, generator: $1) }),
  ("sparse", { Init.sparse($0, sparsity: 0.3, std: 0.5, generator: $1) }),
] }

@Suite("Init") struct InitTests {
  // MARK: Gain and fans

  @Test func gainMatchesPyTorchsTable() {
    // torch.nn.init.calculate_gain, case by case.
    let table: [(Init.Nonlinearity, Double)] = [
      (.linear, 1), (.conv1d, 1), (.conv2d, 1), (.conv3d, 1),
      (.convTranspose1d, 1), (.convTranspose2d, 1), (.convTranspose3d, 1),
      (.sigmoid, 1), (.tanh, 5.0 / 3), (.relu, 2.0.squareRoot()),
      (.leakyRelu, (2 / (1 + 0.01 * 0.01)).squareRoot()), (.selu, 0.75),
    ]
    #expect(Set(table.map(\.0)) == Set(Init.Nonlinearity.allCases), "every nonlinearity is in the table")
    for (nonlinearity, gain) in table {
      #expect(Swift.abs(Init.calculateGain(nonlinearity: nonlinearity) - gain) < 1e-15, "\(nonlinearity)")
    }
    // Leaky ReLU's slope: 0 gives ReLU's √2, 1 makes it linear, √5 is Linear's default (gain √(1/3)).
    #expect(Swift.abs(Init.calculateGain(nonlinearity: .leakyRelu, param: 0) - 2.0.squareRoot()) < 1e-15)
    #expect(Swift.abs(Init.calculateGain(nonlinearity: .leakyRelu, param: 1) - 1) < 1e-15)
    #expect(Swift.abs(Init.calculateGain(nonlinearity: .leakyRelu, param: 0.2) - (2 / 1.04).squareRoot()) < 1e-15)
    #expect(Swift.abs(Init.calculateGain(nonlinearity: .leakyRelu, param: 5.0.squareRoot()) - (1.0 / 3).squareRoot()) < 1e-15)
    // The parameter only matters for leaky ReLU.
    #expect(Init.calculateGain(nonlinearity: .tanh, param: 0.3) == 5.0 / 3)
  }

  @Test func fansOfLinearAndConvolutionWeights() {
    #expect(Init.fans(of: Tensor.zeros([3, 5])) == (fanIn: 5, fanOut: 3))            // Linear(5 → 3)
    #expect(Init.fans(of: Tensor.zeros([16, 3, 5, 5])) == (fanIn: 3 * 25, fanOut: 16 * 25))  // Conv2d(3 → 16, 5×5)
    #expect(Init.fans(of: Tensor.zeros([8, 4, 3])) == (fanIn: 12, fanOut: 24))      // Conv1d(4 → 8, 3)
    #expect(Init.fans(of: Tensor.zeros([2, 3, 2, 3, 4])) == (fanIn: 72, fanOut: 48)) // Conv3d
    // A transposed view has its fans swapped: they follow the view's shape.
    #expect(Init.fans(of: Tensor.zeros([3, 5]).t()) == (fanIn: 3, fanOut: 5))
  }

  @Test func fansOfAVectorStopWithTheShape() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Init.fans(of: Tensor.zeros([7]))
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("Init.fans") && text.contains("[7]"))
  }

  // MARK: Constants

  @Test(arguments: [DType.float32, .float64])
  func constantZerosAndOnes(dtype: DType) {
    let t = Tensor.randn([3, 4], dtype: dtype, generator: Generator(seed: 1))
    #expect(Init.constant(t, 0.25) === t, "returns the same tensor for chaining")
    #expect(t.toDoubles() == Array(repeating: 0.25, count: 12) && t.dtype == dtype && t.shape == [3, 4])
    Init.zeros(t)
    #expect(t.toDoubles().allSatisfy { $0 == 0 })
    Init.ones(t)
    #expect(t.toDoubles().allSatisfy { $0 == 1 })
    let ints = Tensor.zeros([2, 2], dtype: .int64)
    Init.constant(ints, 7)
    #expect(ints.toArray(Int64.self) == [7, 7, 7, 7])
  }

  @Test(arguments: [[4, 4], [3, 5], [5, 3], [1, 6]])
  func eyeSquareAndRectangular(shape: [Int]) {
    for dtype in [DType.float32, .float64] {
      let t = Tensor.full(shape, 9, dtype: dtype)
      Init.eye(t)
      for i in 0..<shape[0] { for j in 0..<shape[1] {
        #expect(t.element(at: [i, j]) == (i == j ? 1 : 0), "\(shape) [\(i), \(j)]")
      } }
      #expect(t.dtype == dtype)
    }
  }

  // MARK: Distributions on a large tensor

  static let big = [512, 1024]   // fanIn 1024, fanOut 512, n = 524,288 draws

  @Test(arguments: [DType.float32, .float64])
  func uniformHasItsMeanStdAndBounds(dtype: DType) {
    let t = Init.uniform(Tensor.zeros(Self.big, dtype: dtype), low: -2, high: 3, generator: Generator(seed: 10))
    let values = t.toDoubles()
    expectMoments(values, mean: 0.5, std: 5 / 12.0.squareRoot(), "uniform(-2, 3)")
    let (low, high) = dtype == .float32 ? (Double(Float(-2)), Double(Float(3))) : (-2.0, 3.0)
    #expect(values.min()! >= low && values.max()! <= high)
    #expect(values.min()! < -2 + 0.005 && values.max()! > 3 - 0.005, "fills the whole interval")
  }

  @Test(arguments: [DType.float32, .float64])
  func normalHasItsMeanAndStd(dtype: DType) {
    let t = Init.normal(Tensor.zeros(Self.big, dtype: dtype), mean: 1.5, std: 0.2, generator: Generator(seed: 11))
    expectMoments(t.toDoubles(), mean: 1.5, std: 0.2, "normal(1.5, 0.2)")
  }

  @Test func xavierUsesBothFans() {
    let (fanIn, fanOut) = (1024.0, 512.0)
    for gain in [1.0, 2.0] {
      let std = gain * (2 / (fanIn + fanOut)).squareRoot()
      let u = Init.xavierUniform(Tensor.zeros(Self.big), gain: gain, generator: Generator(seed: 12))
      expectMoments(u.toDoubles(), mean: 0, std: std, "xavierUniform gain \(gain)")
      expectFillsSymmetricBound(u, gain * (6 / (fanIn + fanOut)).squareRoot(), "xavierUniform gain \(gain)")
      let n = Init.xavierNormal(Tensor.zeros(Self.big), gain: gain, generator: Generator(seed: 13))
      expectMoments(n.toDoubles(), mean: 0, std: std, "xavierNormal gain \(gain)")
    }
  }

  @Test func kaimingUsesTheChosenFanAndGain() {
    let cases: [(mode: Init.FanMode, nonlinearity: Init.Nonlinearity, a: Double, fan: Double, gain: Double)] = [
      (.fanIn, .leakyRelu, 0, 1024, 2.0.squareRoot()),            // the defaults: ReLU's √2
      (.fanOut, .leakyRelu, 0, 512, 2.0.squareRoot()),
      (.fanIn, .relu, 0, 1024, 2.0.squareRoot()),
      (.fanOut, .tanh, 0, 512, 5.0 / 3),
      (.fanIn, .leakyRelu, 0.2, 1024, (2 / 1.04).squareRoot()),
      (.fanIn, .linear, 0, 1024, 1),
    ]
    for (index, c) in cases.enumerated() {
      let std = c.gain / c.fan.squareRoot()
      let label = "\(c.mode) \(c.nonlinearity) a=\(c.a)"
      let u = Init.kaimingUniform(Tensor.zeros(Self.big), a: c.a, mode: c.mode, nonlinearity: c.nonlinearity,
                                  generator: Generator(seed: 20 + UInt64(index)))
      expectMoments(u.toDoubles(), mean: 0, std: std, "kaimingUniform \(label)")
      expectFillsSymmetricBound(u, 3.0.squareRoot() * std, "kaimingUniform \(label)")
      let n = Init.kaimingNormal(Tensor.zeros(Self.big, dtype: .float64), a: c.a, mode: c.mode, nonlinearity: c.nonlinearity,
                                 generator: Generator(seed: 40 + UInt64(index)))
      expectMoments(n.toDoubles(), mean: 0, std: std, "kaimingNormal \(label)")
    }
  }

  @Test func kaimingOnAConvolutionWeightCountsTheKernel() {
    // [64, 32, 3, 3]: fanIn = 32·9 = 288, fanOut = 64·9 = 576.
    let w = Tensor.zeros([64, 32, 3, 3])
    Init.kaimingNormal(w, mode: .fanIn, generator: Generator(seed: 50))
    expectMoments(w.toDoubles(), mean: 0, std: (2.0 / 288).squareRoot(), "kaimingNormal fanIn conv")
    Init.kaimingUniform(w, mode: .fanOut, generator: Generator(seed: 51))
    expectMoments(w.toDoubles(), mean: 0, std: (2.0 / 576).squareRoot(), "kaimingUniform fanOut conv")
    expectFillsSymmetricBound(w, (6.0 / 576).squareRoot(), "kaimingUniform fanOut conv")
  }

  // MARK: Reproducibility, views, autograd

  @Test func seededInitialisersRepeatExactly() {
    for (name, run) in randomInitialisers() {
      for dtype in [DType.float32, .float64] {
        let a = Tensor.zeros([24, 10], dtype: dtype), b = Tensor.zeros([24, 10], dtype: dtype)
        let c = Tensor.zeros([24, 10], dtype: dtype)
        run(a, Generator(seed: 7)); run(b, Generator(seed: 7)); run(c, Generator(seed: 8))
        #expect(bits(a) == bits(b), "\(name) \(dtype): same seed, same values")
        #expect(bits(a) != bits(c), "\(name) \(dtype): another seed, other values")
        #expect(a.toDoubles().allSatisfy { $0.isFinite })
      }
    }
  }

  @Test func initialisingATransposedViewWritesThroughIt() {
    for (name, run) in randomInitialisers() {
      // w is [8, 5]; its transpose is a [5, 8] view. Initialising the view must give w.t() the
      // values a fresh [5, 8] tensor gets from the same seed (fans and all, of the view's shape).
      let w = Tensor.zeros([8, 5])
      let view = w.t()
      run(view, Generator(seed: 3))
      let fresh = Tensor.zeros([5, 8])
      run(fresh, Generator(seed: 3))
      #expect(bits(w.t()) == bits(fresh), "\(name)")
      #expect(bits(w) == bits(fresh.t()), "\(name)")
    }
  }

  @Test func initialisingASliceLeavesTheRestAlone() {
    let extra: [Initialiser] = [("eye", { t, _ in Init.eye(t) }), ("constant", { t, _ in Init.constant(t, 4) })]
    for (name, run) in randomInitialisers() + extra {
      let whole = Tensor.full([6, 10], -7)
      let slice = whole[1..<4, 2..<7]        // a [3, 5] view with row stride 10 and offset 12
      #expect(!slice.isContiguous && slice.storage === whole.storage)
      run(slice, Generator(seed: 5))
      let fresh = Tensor.zeros([3, 5])
      run(fresh, Generator(seed: 5))
      #expect(bits(whole[1..<4, 2..<7]) == bits(fresh), "\(name): the slice holds the values")
      for i in 0..<6 { for j in 0..<10 where !((1..<4).contains(i) && (2..<7).contains(j)) {
        #expect(whole.element(at: [i, j]) == -7, "\(name): element [\(i), \(j)] outside the slice changed")
      } }
    }
  }

  @Test func worksOnParametersAndRecordsNoGraph() {
    let all: [Initialiser] = randomInitialisers() + [
      ("constant", { t, _ in Init.constant(t, 0.5) }), ("zeros", { t, _ in Init.zeros(t) }),
      ("ones", { t, _ in Init.ones(t) }), ("eye", { t, _ in Init.eye(t) }),
    ]
    for (name, run) in all {
      // Grad mode is on here: an in-place write to a leaf that requires grad would stop the
      // process unless the initialiser writes under withNoGrad.
      let w = Tensor.zeros([6, 4]).requiringGrad()
      let versionBefore = w.storage.version
      run(w, Generator(seed: 9))
      #expect(w.requiresGrad && w.isLeaf && w.gradFn == nil && w.grad == nil, "\(name): still a plain leaf")
      #expect(w.storage.version > versionBefore, "\(name): an in-place write bumps the version")
      // And it trains as before: the gradient of sum(3w) is 3 everywhere.
      (w * 3).sum().backward()
      #expect(w.grad?.toDoubles() == Array(repeating: 3, count: 24), "\(name)")
    }
  }

  @Test func emptyTensorsAreANoOp() {
    // PyTorch warns and returns the tensor; a zero fan must not stop the program.
    let all: [Initialiser] = randomInitialisers() + [
      ("kaimingUniform fanOut", { Init.kaimingUniform($0, mode: .fanOut, generator: $1) }),
      ("xavierUniform gain 0", { Init.xavierUniform($0, gain: 0, generator: $1) }),
      ("eye", { t, _ in Init.eye(t) }), ("constant", { t, _ in Init.constant(t, 1) }),
    ]
    for (name, run) in all {
      for shape in [[0, 3], [3, 0], [0, 0], [4, 0, 3, 3]] where !(name == "eye" || name == "sparse") || shape.count == 2 {
        let t = Tensor.zeros(shape)
        let g = Generator(seed: 1)
        run(t, g)
        #expect(t.shape == shape && t.count == 0, "\(name) \(shape)")
      }
    }
  }

  // MARK: Orthogonal

  @Test(arguments: [DType.float32, .float64])
  func orthogonalGivesOrthonormalColumnsOrRows(dtype: DType) {
    let tolerance = dtype == .float32 ? 1e-5 : 1e-12
    let cases: [(shape: [Int], rows: Bool)] = [
      ([64, 16], false),       // tall: QᵀQ = I
      ([16, 64], true),        // wide: QQᵀ = I
      ([32, 32], false), ([32, 32], true),   // square: both
      ([1, 10], true), ([10, 1], false),
      ([8, 4, 3, 3], true),    // conv-shaped: 8 × 36, wide
      ([64, 4, 2, 2], false),  // conv-shaped: 64 × 16, tall
    ]
    for (index, c) in cases.enumerated() {
      let q = Init.orthogonal(Tensor.zeros(c.shape, dtype: dtype), generator: Generator(seed: 60 + UInt64(index)))
      #expect(q.shape == c.shape && q.dtype == dtype)
      let error = distanceFromScaledIdentity(gram(q, ofRows: c.rows))
      #expect(error < tolerance, "\(c.shape) \(dtype): ‖\(c.rows ? "QQᵀ" : "QᵀQ") − I‖∞ = \(error)")
    }
  }

  @Test func orthogonalGainScales() {
    let q = Init.orthogonal(Tensor.zeros([40, 12], dtype: .float64), gain: 3, generator: Generator(seed: 70))
    #expect(distanceFromScaledIdentity(gram(q, ofRows: false), 9) < 1e-11)
    // Same seed, gain 1: exactly a third of it.
    let unit = Init.orthogonal(Tensor.zeros([40, 12], dtype: .float64), generator: Generator(seed: 70))
    #expect(maxDifference(q.toDoubles(), unit.toDoubles().map { 3 * $0 }) < 1e-15)
  }

  @Test func orthogonalIsTheSignCorrectedQOfTheDrawnMatrix() {
    // Q = A·R⁻¹ with R upper triangular and a positive diagonal: so the first column of Q is
    // the first column of A scaled by a positive number, never flipped.
    let rows = 30, cols = 6
    let q = Init.orthogonal(Tensor.zeros([rows, cols], dtype: .float64), generator: Generator(seed: 71))
    // The matrix orthogonal factors: drawn as [cols, rows] and read column by column.
    let a = Tensor.randn([cols, rows], dtype: .float64, generator: Generator(seed: 71)).t()
    let q0 = q.select(axis: 1, index: 0).toDoubles(), a0 = a.select(axis: 1, index: 0).toDoubles()
    let scale = a0.map { $0 * $0 }.reduce(0, +).squareRoot()
    #expect(maxDifference(q0, a0.map { $0 / scale }) < 1e-12)
    // And Q·(QᵀA) = A: A lies in the span of Q's columns.
    let projected = q.matmul(q.t().matmul(a))
    #expect(maxDifference(projected.toDoubles(), a.toDoubles()) < 1e-12)
  }

  // MARK: Sparse

  @Test func sparseZeroesExactlyCeilSparsityRowsPerColumn() {
    let cases: [(rows: Int, cols: Int, sparsity: Double, zeros: Int)] = [
      (20, 30, 0.1, 2), (10, 7, 0.25, 3), (7, 5, 0.5, 4), (9, 4, 0, 0), (9, 4, 1, 9), (200, 50, 0.9, 180),
    ]
    for (index, c) in cases.enumerated() {
      let t = Init.sparse(Tensor.zeros([c.rows, c.cols]), sparsity: c.sparsity, generator: Generator(seed: 80 + UInt64(index)))
      let values = t.toDoubles()
      for column in 0..<c.cols {
        let zeros = (0..<c.rows).filter { values[$0 * c.cols + column] == 0 }.count
        #expect(zeros == c.zeros, "\(c.rows)×\(c.cols) sparsity \(c.sparsity), column \(column): \(zeros) zeros")
      }
    }
    // Different columns lose different rows.
    let t = Init.sparse(Tensor.zeros([50, 20]), sparsity: 0.5, generator: Generator(seed: 90))
    let patterns = Set((0..<20).map { column in (0..<50).map { t.element(at: [$0, column]) == 0 } })
    #expect(patterns.count > 1)
  }

  @Test func sparseNonZerosHaveTheStd() {
    let t = Init.sparse(Tensor.zeros([400, 500], dtype: .float64), sparsity: 0.2, std: 0.05, generator: Generator(seed: 91))
    let nonZeros = t.toDoubles().filter { $0 != 0 }
    #expect(nonZeros.count == 320 * 500)
    expectMoments(nonZeros, mean: 0, std: 0.05, "sparse non-zeros")
  }

  // MARK: Linear's default

  @Test func linearDefaultIsKaimingUniformWithASqrt5() {
    let (inFeatures, outFeatures) = (400, 300)
    let bound = 1 / Double(inFeatures).squareRoot()
    // PyTorch's reset_parameters: kaiming_uniform_(w, a=√5) is uniform on ±1/√fanIn.
    let std = Init.kaimingStd(Tensor.zeros([outFeatures, inFeatures]), a: 5.0.squareRoot(), mode: .fanIn, nonlinearity: .leakyRelu)
    #expect(Swift.abs(3.0.squareRoot() * std - bound) < 1e-15)

    let layer = Linear(inFeatures: inFeatures, outFeatures: outFeatures, generator: Generator(seed: 100))
    expectFillsSymmetricBound(layer.weight, bound, "Linear weight")
    expectMoments(layer.weight.toDoubles(), mean: 0, std: bound / 3.0.squareRoot(), "Linear weight")
    #expect(layer.bias!.toDoubles().allSatisfy { Swift.abs($0) <= Double(Float(bound)) }, "bias on ±1/√in too")
    // Same draws as initialising through Init with the same seed.
    let w = Init.kaimingUniform(Tensor.zeros([outFeatures, inFeatures]), a: 5.0.squareRoot(), generator: Generator(seed: 100))
    #expect(maxDifference(w.toDoubles(), layer.weight.toDoubles()) < 1e-7)
  }
}
