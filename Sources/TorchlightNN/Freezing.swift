extension Module {
  /// Sets `requiresGrad` on every parameter of this module and its children (`requires_grad_`):
  /// `backbone.requiresGrad(false)` freezes a pretrained network for fine-tuning, so backward
  /// stops at its output and no optimizer can move it. Buffers are not parameters and are not
  /// touched; BatchNorm still updates its running statistics in training mode, so call `eval()`
  /// on a frozen part too if they should stay as they were. Returns self, for chaining.
  @discardableResult
  public func requiresGrad(_ on: Bool) -> Self {
    for p in parameters() { p.requiresGrad = on }
    return self
  }
}
