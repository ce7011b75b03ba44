import TorchlightNN

/// Residual blocks with and without a projection, on a small batch: the shapes in and out.
func showResidualShapes() {
  let x = Tensor.randn([4, 3, 6, 6])
  let same = Residual(3, 3)
  let projected = Residual(3, 6, stride: 2)
  print("Residual(3, 3):            identity shortcut, \(x.shape) -> \(withNoGrad { same(x) }.shape)")
  print("Residual(3, 6, stride: 2): 1×1 projection,    \(x.shape) -> \(withNoGrad { projected(x) }.shape)")
  // Why the shortcut helps: a block whose F is zero passes its input (and its gradient) through.
  let input = (Tensor.rand([2, 3, 6, 6]) + 0.1).requiringGrad()   // positive, so the final ReLU passes everything
  withNoGrad { for p in same.bn2.parameters() { p.zero() } }   // γ = β = 0 in the last BatchNorm: F(x) = 0
  let y = same(input)
  y.sum().backward()
  let identity = (y - input).abs().max().item(), gradient = (input.grad! - 1).abs().max().item()
  print(String(format: "with F = 0 the block is the identity: max |y − x| = %.1e, max |∂Σy/∂x − 1| = %.1e", identity, gradient))
}

/// A dense block's channels grow by the growth rate per layer; a transition halves channels and size.
func showDenseShapes() {
  let x = Tensor.randn([4, 3, 8, 8])
  let block = DenseBlock(layers: 2, inChannels: 3, growth: 10)
  let y = withNoGrad { block(x) }
  print("DenseBlock(2 layers, growth 10): \(x.shape) -> \(y.shape)   (3 + 2·10 = 23 channels)")
  print("transition(23 -> 10):            \(y.shape) -> \(withNoGrad { transition(23, 10)(y) }.shape)")
}
