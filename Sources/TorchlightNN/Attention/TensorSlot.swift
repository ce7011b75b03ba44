/// A tensor a module keeps that is neither a parameter nor a buffer: the last attention weights
/// (for plotting), a constant table. `Module` treats every `Tensor` property as a parameter, so
/// such tensors live in this box, which reflection passes over.
final class TensorSlot {
  var value: Tensor?
  init(_ value: Tensor? = nil) { self.value = value }
}
