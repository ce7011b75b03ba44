import COpenBLAS

/// The sizes of one 2-D convolution (cross-correlation, as in PyTorch):
/// input `[n, c, h, w]`, weight `[o, c/groups, kh, kw]`, output `[n, o, oh, ow]` with
/// `oh = (h + 2·ph − dh·(kh − 1) − 1) / sh + 1` (and the same for the width).
///
/// A transposed convolution uses the geometry of the convolution it is the adjoint of: its input
/// is that convolution's output, its output that convolution's input.
struct ConvGeometry: Equatable, Sendable {
  var n, c, h, w: Int
  var o, kh, kw: Int
  var sh, sw, ph, pw, dh, dw: Int
  var groups: Int
  var oh, ow: Int

  /// Input channels per group.
  var cg: Int { c / groups }
  /// Output channels per group.
  var og: Int { o / groups }
  /// Rows of the unfolded input for one group: one per weight of one output channel.
  var k: Int { cg * kh * kw }
  /// Output positions per image.
  var l: Int { oh * ow }
  var inputShape: [Int] { [n, c, h, w] }
  var weightShape: [Int] { [o, cg, kh, kw] }
  var outputShape: [Int] { [n, o, oh, ow] }
  /// Multiply-adds of the forward pass.
  var macs: Int { n * o * l * k }

  /// Output size along one axis (PyTorch's formula), or nil when the dilated kernel does not fit.
  static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int? {
    let span = dilation * (kernel - 1) + 1
    guard size + 2 * padding >= span else { return nil }
    return (size + 2 * padding - span) / stride + 1
  }
}

/// Convolution kernels over raw buffers. Each of the three products (forward, input gradient,
/// weight gradient) is computed by one of several routes, picked per shape by `ConvRoute`:
/// im2col + gemm (`ConvUnfolded.swift`) works for every shape, and faster routes take the
/// shapes they fit (`ConvWholeImage`, `ConvDirect`, `ConvWinograd`, `ConvStacked`, `ConvFlat`).
///
/// The batch is split across `Threads.count` threads, each with its own buffers; OpenBLAS is
/// then held to one thread so the two levels of threading do not fight.
enum Conv {
  /// Columns a gemm should get at least, so the product is not dominated by call overhead.
  static let targetColumns = 4096
  /// Multiply-adds below which a convolution stays on one thread.
  static let parallelMACs = 1 << 20

  // MARK: The three products, each by its route

  /// `out = conv(x, w) + bias`. All buffers contiguous: x `[n, c, h, w]`, w `[o, c/g, kh, kw]`,
  /// out `[n, o, oh, ow]` (fully overwritten).
  static func forward<T: FloatElement>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                       out: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    switch ConvRoute(g) {
    case .wholeImage: wholeImageForward(x: x, weight: weight, bias: bias, out: out, g)
    case .direct: directForward(x: x, weight: weight, bias: bias, out: out, g)
    case .winograd: winogradForward(x: x, weight: weight, bias: bias, out: out, g)
    case .stacked: stackedForward(x: x, weight: weight, bias: bias, out: out, g)
    case .flat: flatForward(x: x, weight: weight, bias: bias, out: out, g)
    case .pointwise, .unfolded: unfoldedForward(x: x, weight: weight, bias: bias, out: out, g)
    }
  }

  /// `dx = convᵀ(gy, w)`: the gradient of the convolution with respect to its input, which is
  /// also the transposed convolution of `gy`. gy `[n, o, oh, ow]`, dx `[n, c, h, w]` (overwritten).
  static func inputGradient<T: FloatElement>(gy: UnsafePointer<T>, weight: UnsafePointer<T>,
                                             dx: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    switch ConvRoute(g) {
    case .wholeImage: wholeImageInputGradient(gy: gy, weight: weight, dx: dx, g)
    case .direct: directInputGradient(gy: gy, weight: weight, dx: dx, g)
    case .winograd: winogradInputGradient(gy: gy, weight: weight, dx: dx, g)
    case .stacked: stackedInputGradient(gy: gy, weight: weight, dx: dx, g)
    case .flat: flatInputGradient(gy: gy, weight: weight, dx: dx, g)
    case .pointwise, .unfolded: unfoldedInputGradient(gy: gy, weight: weight, dx: dx, g)
    }
  }

  /// `dw = Σₙ gyₙ · im2col(xₙ)ᵀ`: the gradient of the convolution with respect to its weight.
  /// x `[n, c, h, w]`, gy `[n, o, oh, ow]`, dw `[o, c/g, kh, kw]` (overwritten).
  static func weightGradient<T: FloatElement>(x: UnsafePointer<T>, gy: UnsafePointer<T>,
                                              dw: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    switch ConvRoute.weightGradient(g) {
    case .wholeImage: wholeImageWeightGradient(x: x, gy: gy, dw: dw, g)
    case .direct: directWeightGradient(x: x, gy: gy, dw: dw, g)
    case .winograd: winogradWeightGradient(x: x, gy: gy, dw: dw, g)
    case .stacked: stackedWeightGradient(x: x, gy: gy, dw: dw, g)
    case .flat: flatWeightGradient(x: x, gy: gy, dw: dw, g)
    case .pointwise, .unfolded: unfoldedWeightGradient(x: x, gy: gy, dw: dw, g)
    }
  }

  // MARK: Helpers

  /// How many slices of the batch to run at once.
  static func batchChunks(_ g: ConvGeometry) -> Int {
    Threads.count > 1 && g.n > 1 && g.macs >= parallelMACs ? Swift.min(Threads.count, g.n) : 1
  }

  /// A weight gradient is a sum over the batch: `body(first, end, target)` adds the slice's part
  /// into `target`, a zeroed buffer of the weight's size (`dw` itself for the first slice, a
  /// scratch buffer for the others), and the slices' parts are added into `dw` at the end.
  static func overBatchSummed<T: FloatElement>(_ g: ConvGeometry, into dw: UnsafeMutablePointer<T>,
                                               _ body: (Int, Int, UnsafeMutablePointer<T>) -> Void) {
    let size = g.o * g.k, chunks = batchChunks(g)
    let partials = (1..<Swift.max(chunks, 1)).map { _ in Workspace<T>(size) }
    nonisolated(unsafe) let targets = [dw] + partials.map(\.p)
    overBatch(g, chunks: chunks) { n0, n1, chunk in
      targets[chunk].update(repeating: 0, count: size)
      body(n0, n1, targets[chunk])
    }
    for p in partials {
      for i in 0..<size { dw[i] += p.p[i] }
      p.free()
    }
  }

  static func overBatch(_ g: ConvGeometry, _ body: (Int, Int) -> Void) {
    overBatch(g, chunks: batchChunks(g)) { n0, n1, _ in body(n0, n1) }
  }

  /// `body(first, end, chunk)` over contiguous slices of the batch, in parallel when `chunks` > 1.
  /// OpenBLAS runs single-threaded meanwhile (each of our threads is already busy).
  static func overBatch(_ g: ConvGeometry, chunks: Int, _ body: (Int, Int, Int) -> Void) {
    if chunks <= 1 { body(0, g.n, 0); return }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(Threads.count)) }
    Threads.parallelFor(chunks) { c in body(g.n * c / chunks, g.n * (c + 1) / chunks, c) }
  }
}

/// A scratch buffer from the caching allocator (reused step after step, so no page faults).
struct Workspace<T: TensorElement>: @unchecked Sendable {
  let p: UnsafeMutablePointer<T>
  let bytes: Int
  init(_ count: Int) {
    bytes = Swift.max(count * MemoryLayout<T>.stride, 1)
    p = BufferPool.shared.allocate(byteCount: bytes).bindMemory(to: T.self, capacity: Swift.max(count, 1))
  }
  func free() { BufferPool.shared.release(UnsafeMutableRawPointer(p), byteCount: bytes) }
}
