import Foundation
import TorchlightNN

/// Output size of a convolution or pooling along one axis (PyTorch's formula):
///     ⌊(n + 2p − d·(k − 1) − 1) / s⌋ + 1,
/// which for dilation d = 1 is the textbook's ⌊(n + 2p − k) / s⌋ + 1.
func outputSize(_ n: Int, kernel k: Int, padding p: Int = 0, stride s: Int = 1) -> Int { (n + 2 * p - k) / s + 1 }

/// Padding, stride, several channels and 1×1 kernels, each checked against the formula above and
/// against the from-scratch cross-correlation.
func runShapeArithmetic() {
  let g = Generator(seed: 2)
  let x = Tensor.rand([1, 1, 8, 8], generator: g)
  print("  input 8×8; output size ⌊(n + 2p − k)/s⌋ + 1:")
  for (k, p, s) in [(3, 1, 1), (5, 2, 1), (3, 0, 1), (3, 1, 2), (5, 0, 3), (4, 1, 2)] {
    let y = conv2d(x, weight: Tensor.rand([1, 1, k, k], generator: g), stride: Size2(s), padding: Size2(p))
    let expected = outputSize(8, kernel: k, padding: p, stride: s)
    print("    kernel \(k)×\(k), padding \(p), stride \(s): ⌊(8 + \(2 * p) − \(k))/\(s)⌋ + 1 = \(expected)   conv2d gives \(y.shape[2])×\(y.shape[3])"
          + agreement([expected, expected], y))
  }
  // A non-square kernel with its own padding and stride per axis.
  let y = conv2d(x, weight: Tensor.rand([1, 1, 3, 5], generator: g), stride: Size2(3, 4), padding: Size2(0, 1))
  let expected = [outputSize(8, kernel: 3, stride: 3), outputSize(8, kernel: 5, padding: 1, stride: 4)]
  print("    kernel 3×5, padding (0, 1), stride (3, 4): (\(expected[0]), \(expected[1]))"
        + "   conv2d gives \(y.shape[2])×\(y.shape[3])" + agreement(expected, y))

  // Several input channels: one 2-D kernel per input channel, their cross-correlations summed.
  let xs = Tensor([[[0.0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]])
  let ks = Tensor([[[0.0, 1], [2, 3]], [[1.0, 2], [3, 4]]])
  let byHand = corr2d(xs[0], ks[0]) + corr2d(xs[1], ks[1])
  let library = conv2d(xs.unsqueezed(axis: 0), weight: ks.unsqueezed(axis: 0)).squeezed(axis: 0).squeezed(axis: 0)
  print("  two input channels, summed per-channel cross-correlations: \(rowsText(byHand)); conv2d: \(rowsText(library))")

  // A 1×1 convolution mixes channels at each pixel independently: it is a fully connected
  // layer applied to every pixel, i.e. a matrix product over the channel axis.
  let x3 = Tensor.randn([1, 3, 3, 3], dtype: .float64, generator: g), k1 = Tensor.randn([2, 3, 1, 1], dtype: .float64, generator: g)
  let viaConv = conv2d(x3, weight: k1)
  let viaMatmul = k1.reshaped(2, 3).matmul(x3.reshaped(3, 9)).reshaped(1, 2, 3, 3)
  print("  1×1 convolution with 3 → 2 channels equals a matrix product over channels: max difference "
        + String(format: "%.1e", (viaConv - viaMatmul).abs().max().item()))
}

/// "" when `y`'s spatial size is the one worked out by hand, a loud marker otherwise.
func agreement(_ expected: [Int], _ y: Tensor) -> String {
  Array(y.shape.suffix(2)) == expected ? "" : "   MISMATCH"
}
