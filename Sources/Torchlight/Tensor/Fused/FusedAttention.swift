import COpenBLAS

/// The kernels of fused scaled dot-product attention on tensors (`AttentionKernel` does the
/// work): softmax(s·Q Kᵀ + M) V for a whole batch of heads in one pass, and its gradient.
/// These functions record nothing; TorchlightNN's `scaledDotProductAttention` wraps them in
/// one differentiable op beside its op-by-op reference.
///
/// Shapes: query [B…, L, E], key [B…, S, E], value [B…, S, Eᵥ], with leading axes B… that
/// broadcast together; `bias` (the additive mask, 0 or −∞ or any float) broadcasts to the scores
/// [B…, L, S]. Any layout whose last axis or second-to-last axis has stride 1 is read in place
/// (a head split out of [N, L, H·E] by a transpose, say); other views are copied first.
public enum FusedAttention {
  /// O [B…, L, Eᵥ] (contiguous) and each query's logsumexp of scores [B…, L], which is −∞
  /// for a query that sees no key (its output row is 0).
  public static func forward(query: Tensor, key: Tensor, value: Tensor, bias: Tensor?, causal: Bool,
                             scale: Double) -> (output: Tensor, logSumExp: Tensor) {
    let p = Problem(query, key, value, bias, causal: causal, scale: scale)
    let output = Tensor(uninitialized: p.batch + [p.dims.queries, p.dims.valueFeatures], dtype: query.dtype)
    let lse = Tensor(uninitialized: p.batch + [p.dims.queries], dtype: query.dtype)
    func run<T: FloatElement>(_: T.Type) {
      AttentionKernel.forward(p.dims, q: p.operand(0, T.self), k: p.operand(1, T.self), v: p.operand(2, T.self),
                              bias: p.biasOperand(T.self), output: output.base(T.self), logSumExp: lse.base(T.self))
    }
    withExtendedLifetime(p) { if query.dtype == .float32 { run(Float.self) } else { run(Double.self) } }
    return (output, lse)
  }

  /// ∂L/∂query, ∂L/∂key, ∂L/∂value in the broadcast batch shape (sum over broadcast axes to
  /// reduce them), and ∂L/∂bias [B…, L, S] when `biasGradient`.
  public static func backward(_ gradOutput: Tensor, query: Tensor, key: Tensor, value: Tensor, bias: Tensor?,
                              causal: Bool, scale: Double, logSumExp: Tensor, biasGradient: Bool = false)
    -> (query: Tensor, key: Tensor, value: Tensor, bias: Tensor?) {
    let p = Problem(query, key, value, bias, causal: causal, scale: scale)
    let d = p.dims
    let expected = p.batch + [d.queries, d.valueFeatures]
    guard gradOutput.shape == expected, logSumExp.shape == p.batch + [d.queries] else {
      fatalError("FusedAttention.backward: gradient of shape \(gradOutput.shape) and logsumexp of shape \(logSumExp.shape) do not fit the output \(expected)")
    }
    let g = Problem.readable(gradOutput)
    let lse = logSumExp.contiguous()
    let dq = Tensor(uninitialized: p.batch + [d.queries, d.features], dtype: query.dtype)
    let dk = Tensor(uninitialized: p.batch + [d.keys, d.features], dtype: query.dtype)
    let dv = Tensor(uninitialized: p.batch + [d.keys, d.valueFeatures], dtype: query.dtype)
    let db = biasGradient ? Tensor(uninitialized: p.batch + [d.queries, d.keys], dtype: query.dtype) : nil
    func run<T: FloatElement>(_: T.Type) {
      AttentionKernel.backward(d, q: p.operand(0, T.self), k: p.operand(1, T.self), v: p.operand(2, T.self),
                               bias: p.biasOperand(T.self), logSumExp: lse.base(T.self),
                               dOutput: Problem.operand(g, batch: p.batch, T.self), dQuery: dq.base(T.self),
                               dKey: dk.base(T.self), dValue: dv.base(T.self), dBias: db?.base(T.self))
    }
    withExtendedLifetime((p, g, lse)) { if query.dtype == .float32 { run(Float.self) } else { run(Double.self) } }
    return (dq, dk, dv, db)
  }

  /// The inputs as the kernel reads them: checked, broadcast to one batch shape, and copied only
  /// when BLAS cannot read a matrix in place.
  final class Problem {
    let batch: [Int]
    let dims: AttentionKernel.Dims
    let tensors: [Tensor]
    let bias: Tensor?

    init(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ bias: Tensor?, causal: Bool, scale: Double) {
      let op = "FusedAttention"
      guard q.rank >= 2, k.rank >= 2, v.rank >= 2 else {
        fatalError("\(op): query, key and value need at least 2 axes (…, sequence, features), got shapes \(q.shape), \(k.shape), \(v.shape)")
      }
      guard q.dtype == .float32 || q.dtype == .float64, k.dtype == q.dtype, v.dtype == q.dtype, bias.map({ $0.dtype == q.dtype }) ?? true else {
        fatalError("\(op): query, key, value (and bias) must all be float32 or all float64, got \(q.dtype), \(k.dtype), \(v.dtype)\(bias.map { ", \($0.dtype)" } ?? "")")
      }
      let l = q.shape[q.rank - 2], s = k.shape[k.rank - 2], e = q.shape[q.rank - 1], ev = v.shape[v.rank - 1]
      guard k.shape[k.rank - 1] == e, v.shape[v.rank - 2] == s else {
        fatalError("\(op): query \(q.shape), key \(k.shape) and value \(v.shape) must be [B…, L, E], [B…, S, E] and [B…, S, Eᵥ]")
      }
      let batch = [k, v].reduce(Array(q.shape.dropLast(2))) { Layout.broadcastShapes($0, Array($1.shape.dropLast(2)), op: op) }
      if let bias {
        let scores = batch + [l, s]
        let fits = bias.rank <= scores.count && bias.shape.indices.allSatisfy { i in
          bias.shape[i] == 1 || bias.shape[i] == scores[scores.count - bias.rank + i]
        }
        guard fits else { fatalError("\(op): bias of shape \(bias.shape) does not broadcast to the scores \(scores)") }
      }
      self.batch = batch
      dims = AttentionKernel.Dims(matrices: Layout.count(batch), queries: l, keys: s, features: e, valueFeatures: ev,
                                  causal: causal, scale: scale)
      tensors = [q, k, v].map(Problem.readable)
      self.bias = bias
    }

    /// `t` itself when one of its two last axes has stride 1 (BLAS reads it with a leading
    /// dimension), else a contiguous copy.
    static func readable(_ t: Tensor) -> Tensor {
      let r = t.rank
      return layout(t.shape[r - 2], t.shape[r - 1], t.strides[r - 2], t.strides[r - 1]) == nil ? t.contiguous() : t
    }

    static func layout(_ rows: Int, _ cols: Int, _ rowStride: Int, _ colStride: Int) -> (CBLAS_TRANSPOSE, Int32)? {
      Gemm.blasLayout(rows: rows, cols: cols, rowStride: rowStride, colStride: colStride)
    }

    /// Offset of each batch matrix of a tensor whose leading axes broadcast to `batch`.
    static func offsets(_ t: Tensor, batch: [Int], matrixAxes: Int = 2) -> [Int] {
      let lead = Array(t.shape.dropLast(matrixAxes)), leadStrides = Array(t.strides.dropLast(matrixAxes))
      let strides = Layout.broadcastStrides(shape: lead, strides: leadStrides, to: batch)
      var result = [Int](repeating: 0, count: Layout.count(batch))
      var index = [Int](repeating: 0, count: batch.count), offset = 0
      for b in result.indices {
        result[b] = offset
        var axis = batch.count - 1   // odometer: step the last axis, carry into the ones before
        while axis >= 0 {
          index[axis] += 1; offset += strides[axis]
          if index[axis] < batch[axis] { break }
          offset -= strides[axis] * index[axis]; index[axis] = 0; axis -= 1
        }
      }
      return result
    }

    static func operand<T: FloatElement>(_ t: Tensor, batch: [Int], _: T.Type) -> AttentionKernel.Operand<T> {
      let r = t.rank
      let (trans, ld) = layout(t.shape[r - 2], t.shape[r - 1], t.strides[r - 2], t.strides[r - 1])!
      return AttentionKernel.Operand(base: UnsafePointer(t.base(T.self)), offsets: offsets(t, batch: batch),
                                     trans: trans, ld: Int(ld), rowStride: t.strides[r - 2])
    }

    func operand<T: FloatElement>(_ i: Int, _: T.Type) -> AttentionKernel.Operand<T> {
      Problem.operand(tensors[i], batch: batch, T.self)
    }

    func biasOperand<T: FloatElement>(_: T.Type) -> AttentionKernel.Bias<T>? {
      guard let bias else { return nil }
      // Seen as [B…, L, S]: broadcast axes read with stride 0.
      let full = batch + [dims.queries, dims.keys]
      let strides = Layout.broadcastStrides(shape: bias.shape, strides: bias.strides, to: full)
      let lead = Tensor(storage: bias.storage, shape: full, strides: strides, offset: bias.offset)
      return AttentionKernel.Bias(base: UnsafePointer(bias.base(T.self)), offsets: Problem.offsets(lead, batch: batch),
                                  rowStride: strides[full.count - 2], colStride: strides[full.count - 1])
    }
  }
}
