/// A fused op keeps its op-by-op reference (DESIGN §10): the kernel's closed-form backward runs
/// in ordinary training, and when backward is itself being recorded (`createGraph`, for second
/// derivatives) the gradient is taken through the reference instead, recomputed from the inputs,
/// so double backward works without a second closed form.
extension Tensor {
  /// `recorded(name, inputs:, saving:, backward:)` for a fused op: `backward` is the kernels'
  /// gradient; `reference` recomputes the same output op by op from `inputs`, and is
  /// differentiated (through `Engine.localGradients`) when the backward pass is being recorded.
  public func recordedFused(_ name: String, inputs: [Tensor], saving: [Tensor] = [],
                            reference: @escaping () -> Tensor,
                            backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    recorded(name, inputs: inputs, saving: saving) { g in
      GradMode.enabled ? Engine.localGradients(of: reference(), gradient: g, at: inputs) : backward(g)
    }
  }
}
