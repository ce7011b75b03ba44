import Foundation

/// Initialisers that overwrite an existing tensor in place, as `torch.nn.init` does:
/// `Init.kaimingUniform(layer.weight, nonlinearity: .relu)`.
///
/// Each writes under `withNoGrad`, so it works on parameters that require grad, through any
/// view (a slice of a weight, a transposed weight), and keeps the tensor's shape and dtype. It
/// returns the same tensor for chaining. Random ones draw from `generator`, or the global
/// generator when none is given, so a seed makes them repeat exactly.
///
/// Why the scale matters: a layer sums `fanIn` products, so with weights of variance v its
/// outputs have about `fanIn·v` times the variance of its inputs. Xavier (Glorot & Bengio, 2010)
/// and Kaiming (He et al., 2015) choose v so that this factor, after the nonlinearity's `gain`,
/// is 1 and signals neither die out nor blow up through many layers. `Linear`'s default,
/// uniform on ±1/√fanIn, is `kaimingUniform(w, a: √5)`.
public enum Init {
  /// The nonlinearity that follows a layer, for `calculateGain` and Kaiming initialisation.
  public enum Nonlinearity: String, Sendable, CaseIterable {
    case linear, conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d
    case sigmoid, tanh, relu, leakyRelu, selu
  }

  /// Which fan Kaiming initialisation keeps the variance for: `fanIn` preserves it in the
  /// forward pass, `fanOut` in the backward pass.
  public enum FanMode: String, Sendable {
    case fanIn, fanOut
  }

  /// The factor by which to scale a standard deviation so that a layer followed by
  /// `nonlinearity` keeps the variance of its signal (`nn.init.calculate_gain`):
  /// 1 for linear layers, convolutions and sigmoid, 5/3 for tanh, √2 for ReLU,
  /// √(2/(1 + slope²)) for leaky ReLU (`param` is the slope, 0.01 when nil), 3/4 for SELU.
  public static func calculateGain(nonlinearity: Nonlinearity, param: Double? = nil) -> Double {
    switch nonlinearity {
    case .linear, .conv1d, .conv2d, .conv3d, .convTranspose1d, .convTranspose2d, .convTranspose3d, .sigmoid:
      return 1
    case .tanh:
      return 5.0 / 3
    case .relu:
      return 2.0.squareRoot()
    case .leakyRelu:
      let slope = param ?? 0.01
      return (2 / (1 + slope * slope)).squareRoot()
    case .selu:
      return 3.0 / 4
    }
  }

  /// (fanIn, fanOut) of a weight, as PyTorch computes them: for `[out, in]` (Linear) they are
  /// (in, out); for a convolution's `[out, in, k₁, k₂, …]` each is multiplied by the kernel
  /// size k₁·k₂·…, the number of inputs (outputs) every weight connects.
  public static func fans(of tensor: Tensor) -> (fanIn: Int, fanOut: Int) {
    guard tensor.rank >= 2 else {
      fatalError("Init.fans: fan in and fan out need a weight with at least 2 axes ([out, in, …]), got shape \(tensor.shape)")
    }
    let receptiveField = tensor.shape.dropFirst(2).reduce(1, *)
    return (tensor.shape[1] * receptiveField, tensor.shape[0] * receptiveField)
  }

  // MARK: Constants

  /// Every element set to `value` (`constant_`).
  @discardableResult
  public static func constant(_ tensor: Tensor, _ value: Double) -> Tensor {
    withNoGrad { tensor.fill(value) }
    return tensor
  }

  /// Every element set to 0 (`zeros_`).
  @discardableResult
  public static func zeros(_ tensor: Tensor) -> Tensor { constant(tensor, 0) }

  /// Every element set to 1 (`ones_`).
  @discardableResult
  public static func ones(_ tensor: Tensor) -> Tensor { constant(tensor, 1) }

  /// The identity matrix, or ones on the main diagonal of a rectangular one (`eye_`); 2-D only.
  /// A linear layer starting as the identity passes its input through unchanged.
  @discardableResult
  public static func eye(_ tensor: Tensor) -> Tensor {
    guard tensor.rank == 2 else { fatalError("Init.eye: needs a 2-D tensor, got shape \(tensor.shape)") }
    return overwrite(tensor, with: Tensor.eye(tensor.shape[0], tensor.shape[1], dtype: tensor.dtype))
  }

  // MARK: Random

  /// Uniform on [low, high) (`uniform_`).
  @discardableResult
  public static func uniform(_ tensor: Tensor, low: Double = 0, high: Double = 1, generator: Generator? = nil) -> Tensor {
    requireFloat(tensor, "uniform")
    return overwrite(tensor, with: Tensor.uniform(tensor.shape, low: low, high: high, dtype: tensor.dtype, generator: generator))
  }

  /// Normal with the given mean and standard deviation (`normal_`).
  @discardableResult
  public static func normal(_ tensor: Tensor, mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
    requireFloat(tensor, "normal")
    return overwrite(tensor, with: Tensor.normal(tensor.shape, mean: mean, std: std, dtype: tensor.dtype, generator: generator))
  }

  /// Xavier (Glorot) uniform, on ±gain·√(6/(fanIn + fanOut)) (`xavier_uniform_`): the
  /// variance gain²·2/(fanIn + fanOut) balances the forward and the backward pass.
  @discardableResult
  public static func xavierUniform(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
    let std = xavierStd(tensor, gain: gain)
    let bound = 3.0.squareRoot() * std   // uniform on ±b has standard deviation b/√3
    return uniform(tensor, low: -bound, high: bound, generator: generator)
  }

  /// Xavier (Glorot) normal, with standard deviation gain·√(2/(fanIn + fanOut)) (`xavier_normal_`).
  @discardableResult
  public static func xavierNormal(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
    normal(tensor, mean: 0, std: xavierStd(tensor, gain: gain), generator: generator)
  }

  /// Kaiming (He) uniform, on ±gain·√(3/fan) (`kaiming_uniform_`), with `gain` from
  /// `calculateGain(nonlinearity:param: a)` and `fan` chosen by `mode`. `a` is the negative
  /// slope of a following leaky ReLU; the defaults (leaky ReLU with slope 0) give ReLU's √2.
  @discardableResult
  public static func kaimingUniform(_ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                    nonlinearity: Nonlinearity = .leakyRelu, generator: Generator? = nil) -> Tensor {
    let std = kaimingStd(tensor, a: a, mode: mode, nonlinearity: nonlinearity)
    let bound = 3.0.squareRoot() * std
    return uniform(tensor, low: -bound, high: bound, generator: generator)
  }

  /// Kaiming (He) normal, with standard deviation gain/√fan (`kaiming_normal_`).
  @discardableResult
  public static func kaimingNormal(_ tensor: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                   nonlinearity: Nonlinearity = .leakyRelu, generator: Generator? = nil) -> Tensor {
    normal(tensor, mean: 0, std: kaimingStd(tensor, a: a, mode: mode, nonlinearity: nonlinearity), generator: generator)
  }

  /// A (semi-)orthogonal matrix times `gain` (`orthogonal_`; Saxe et al., 2013). The tensor is
  /// seen as rows × (everything else), `[shape[0], count/shape[0]]`: a tall matrix gets
  /// orthonormal columns, a wide one orthonormal rows. Multiplying by an orthogonal matrix keeps
  /// every vector's length, so deep linear stacks neither shrink nor blow up their input.
  ///
  /// As in PyTorch: the Q of a QR factorisation of a random normal matrix, with each column's
  /// sign flipped where R's diagonal is negative. Without that correction Q would depend on the
  /// QR algorithm's sign convention and not be uniformly distributed over orthogonal matrices.
  @discardableResult
  public static func orthogonal(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
    guard tensor.rank >= 2 else {
      fatalError("Init.orthogonal: needs a tensor with at least 2 axes, got shape \(tensor.shape)")
    }
    requireFloat(tensor, "orthogonal")
    if tensor.count == 0 { return tensor }
    let rows = tensor.shape[0], cols = tensor.count / rows
    // Factor the tall way round: an m × n matrix with m ≥ n, stored column by column. A
    // row-major [n, m] array is exactly that.
    let m = Swift.max(rows, cols), n = Swift.min(rows, cols)
    let a = Tensor.randn([n, m], dtype: .float64, generator: generator).toArray(Double.self)
    let q = orthonormalColumns(a, rows: m, cols: n)
    let qColumns = Tensor(q, shape: [n, m], dtype: .float64)   // row i holds column i of Q
    let matrix = rows >= cols ? qColumns.t() : qColumns   // tall: Q; wide: Qᵀ
    return overwrite(tensor, with: matrix.reshaped(tensor.shape) * gain)
  }

  /// A sparse matrix (`sparse_`; Martens, 2010): normal with standard deviation `std`, then in
  /// each column ⌈sparsity·rows⌉ elements, chosen at random, set to 0. 2-D only.
  @discardableResult
  public static func sparse(_ tensor: Tensor, sparsity: Double, std: Double = 0.01, generator: Generator? = nil) -> Tensor {
    guard tensor.rank == 2 else { fatalError("Init.sparse: needs a 2-D tensor, got shape \(tensor.shape)") }
    precondition(sparsity >= 0 && sparsity <= 1, "Init.sparse: sparsity must lie in [0, 1], got \(sparsity)")
    requireFloat(tensor, "sparse")
    let rows = tensor.shape[0], cols = tensor.shape[1]
    let zerosPerColumn = Int((sparsity * Double(rows)).rounded(.up))
    let g = generator ?? .global
    var values = Tensor.normal([rows, cols], mean: 0, std: std, dtype: .float64, generator: g).toArray(Double.self)
    for column in 0..<cols {
      let order = Tensor.randperm(rows, generator: g).toArray(Int64.self)
      for row in order.prefix(zerosPerColumn) { values[Int(row) * cols + column] = 0 }
    }
    return overwrite(tensor, with: Tensor(values, shape: [rows, cols], dtype: .float64))
  }

  // MARK: Helpers

  static func xavierStd(_ tensor: Tensor, gain: Double) -> Double {
    let (fanIn, fanOut) = fans(of: tensor)
    guard fanIn + fanOut > 0 else { return 0 }   // an empty tensor: nothing to draw
    return gain * (2 / Double(fanIn + fanOut)).squareRoot()
  }

  static func kaimingStd(_ tensor: Tensor, a: Double, mode: FanMode, nonlinearity: Nonlinearity) -> Double {
    let (fanIn, fanOut) = fans(of: tensor)
    let fan = mode == .fanIn ? fanIn : fanOut
    // A fan is 0 only for a tensor with no elements: nothing to draw (PyTorch: a no-op).
    guard fan > 0 else { return 0 }
    return calculateGain(nonlinearity: nonlinearity, param: a) / Double(fan).squareRoot()
  }

  /// Copies `values` into `tensor` (converting dtype) without recording.
  static func overwrite(_ tensor: Tensor, with values: Tensor) -> Tensor {
    withNoGrad { tensor.copy(from: values) }
    return tensor
  }

  static func requireFloat(_ tensor: Tensor, _ op: String) {
    guard tensor.dtype.isFloatingPoint else {
      fatalError("Init.\(op): needs a float tensor, got \(tensor.dtype) with shape \(tensor.shape)")
    }
  }

  /// The m × n matrix Q with orthonormal columns of A = QR (A is m × n with m ≥ n, given column
  /// by column), by Householder reflections, with the sign of each column chosen so that R's
  /// diagonal is positive.
  ///
  /// Step k reflects column k of what is left of A, x = A[k..<m, k], onto a multiple of the first
  /// axis: H = I − 2vvᵀ with v ∥ x − αe₁ and α = ∓‖x‖ (the sign opposite to x₀, so no
  /// cancellation), which zeroes everything below the diagonal and leaves α as R's k-th
  /// diagonal entry. Then Q = H₀H₁…Hₙ₋₁ applied to the first n columns of the identity.
  static func orthonormalColumns(_ matrix: [Double], rows m: Int, cols n: Int) -> [Double] {
    precondition(m >= n && matrix.count == m * n, "orthonormalColumns: expected a tall m × n matrix")
    var a = matrix
    var reflectors: [[Double]] = []   // v of step k, of length m − k
    var diagonal: [Double] = []       // R's diagonal, α of each step

    /// y[k..<m] −= 2v(v·y[k..<m]) for column j of `y`: one reflection of one column.
    func reflect(_ y: inout [Double], column j: Int, from k: Int, _ v: [Double]) {
      let start = j * m + k
      var dot = 0.0
      for i in 0..<(m - k) { dot += v[i] * y[start + i] }
      for i in 0..<(m - k) { y[start + i] -= 2 * dot * v[i] }
    }

    for k in 0..<n {
      var v = Array(a[(k * m + k)..<(k * m + m)])
      let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      let alpha = v[0] >= 0 ? -norm : norm
      v[0] -= alpha
      let vNorm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
      if vNorm > 0 { v = v.map { $0 / vNorm } }   // a zero column needs no reflection
      for j in k..<n { reflect(&a, column: j, from: k, v) }
      reflectors.append(v)
      diagonal.append(alpha)
    }

    var q = [Double](repeating: 0, count: m * n)
    for j in 0..<n { q[j * m + j] = 1 }
    for k in stride(from: n - 1, through: 0, by: -1) {
      for j in 0..<n { reflect(&q, column: j, from: k, reflectors[k]) }
    }
    // Flip the sign of column j where R[j, j] < 0: (Q·D)(D·R) with D = diag(±1) is still A.
    for j in 0..<n where diagonal[j] < 0 {
      for i in 0..<m { q[j * m + i] = -q[j * m + i] }
    }
    return q
  }
}
