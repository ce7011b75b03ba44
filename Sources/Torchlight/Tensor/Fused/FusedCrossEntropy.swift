/// The kernels of fused cross-entropy on tensors (`CrossEntropyKernel` does the work). They
/// record nothing; TorchlightNN's `crossEntropy` wraps them in one differentiable op beside its
/// op-by-op reference (log-softmax, gather, mean).
public enum FusedCrossEntropy {
  /// What the forward pass leaves for the backward pass.
  public struct Saved {
    /// The logits, contiguous.
    public let logits: Tensor
    /// Class indices, int64, contiguous.
    public let targets: Tensor
    /// logsumexp of each row, `[N]`.
    public let logSumExp: Tensor
    public let ignoreIndex: Int
    /// How many rows have a target other than `ignoreIndex`.
    public let counted: Int
  }

  /// Per-example losses `[N]` (0 where the target is `ignoreIndex`), their sum (in Double), and
  /// what backward needs. `logits` float `[N, C]`, `targets` int64 `[N]`.
  public static func forward(logits: Tensor, targets: Tensor, ignoreIndex: Int) -> (losses: Tensor, total: Double, saved: Saved) {
    guard logits.rank == 2, targets.shape == [logits.shape[0]], targets.dtype == .int64, logits.dtype == .float32 || logits.dtype == .float64 else {
      fatalError("FusedCrossEntropy.forward: expected float32 or float64 logits [N, C] and int64 targets [N], got \(logits.dtype) \(logits.shape) and \(targets.dtype) \(targets.shape)")
    }
    let x = logits.contiguous(), t = targets.contiguous()
    let (rows, classes) = (logits.shape[0], logits.shape[1])
    let losses = Tensor(uninitialized: [rows], dtype: logits.dtype), lse = Tensor(uninitialized: [rows], dtype: logits.dtype)
    func run<T: FloatElement>(_: T.Type) -> (Int, Double) {
      guard rows > 0, classes > 0 else { return (0, 0) }
      return CrossEntropyKernel.forward(x.base(T.self), t.base(Int64.self), rows: rows, classes: classes, ignoreIndex: Int64(ignoreIndex),
                                        losses: losses.base(T.self), logSumExp: lse.base(T.self))
    }
    let (counted, total) = withExtendedLifetime((x, t)) { logits.dtype == .float32 ? run(Float.self) : run(Double.self) }
    return (losses, total, Saved(logits: x, targets: t, logSumExp: lse, ignoreIndex: ignoreIndex, counted: counted))
  }

  /// ∂L/∂logits for an upstream gradient `g` that is one value for all rows (shape `[]`) or one
  /// per row (`[N]`), times `scale` (1/counted for a mean).
  public static func backward(_ g: Tensor, scale: Double, _ saved: Saved) -> Tensor {
    let x = saved.logits
    let (rows, classes) = (x.shape[0], x.shape[1])
    let gc = g.to(x.dtype).contiguous()
    precondition(gc.count == 1 || gc.count == rows, "FusedCrossEntropy.backward: gradient of shape \(g.shape) for \(rows) rows")
    let dx = Tensor(uninitialized: x.shape, dtype: x.dtype)
    func run<T: FloatElement>(_: T.Type) {
      guard rows > 0, classes > 0 else { return }
      CrossEntropyKernel.backward(x.base(T.self), saved.targets.base(Int64.self), rows: rows, classes: classes,
                                  ignoreIndex: Int64(saved.ignoreIndex), logSumExp: saved.logSumExp.base(T.self),
                                  g: gc.base(T.self), gStride: gc.count == 1 ? 0 : 1, scale: T(scale), dx: dx.base(T.self))
    }
    withExtendedLifetime(gc) { x.dtype == .float32 ? run(Float.self) : run(Double.self) }
    return dx
  }
}
