/// Joining tensors. Unlike views, these copy: the result needs one storage of its own.
extension Tensor {
  /// Joins tensors along an existing `axis` (`torch.cat`); other sizes must match.
  public static func cat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    guard let first = tensors.first else { fatalError("cat: expected a non-empty list of tensors") }
    let a = Layout.normalizeAxis(axis, rank: first.rank, op: "cat")
    let dtype = tensors.dropFirst().reduce(first.dtype) { DType.promoted($0, $1.dtype) }
    for t in tensors where t.rank != first.rank || t.shape.indices.contains(where: { $0 != a && t.shape[$0] != first.shape[$0] }) {
      fatalError("cat: shapes \(first.shape) and \(t.shape) must match except along axis \(axis)")
    }
    var shape = first.shape
    shape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
    let out = Tensor(zeros: shape, dtype: dtype)
    var start = 0
    withNoGrad {
      for t in tensors {
        out.narrow(axis: a, start: start, length: t.shape[a]).copy(from: t)
        start += t.shape[a]
      }
    }
    // Each input's gradient is its own stretch of g.
    return out.recorded("CatBackward", inputs: tensors) { g in g.split(sizes: tensors.map { $0.shape[a] }, axis: a) }
  }

  /// Joins same-shaped tensors along a new `axis` (`torch.stack`).
  public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    guard let first = tensors.first else { fatalError("stack: expected a non-empty list of tensors") }
    for t in tensors where t.shape != first.shape {
      fatalError("stack: all tensors must have the same shape, got \(first.shape) and \(t.shape)")
    }
    let a = Layout.normalizeAxis(axis, rank: first.rank + 1, op: "stack")
    return cat(tensors.map { $0.unsqueezed(axis: a) }, axis: a)
  }
}
