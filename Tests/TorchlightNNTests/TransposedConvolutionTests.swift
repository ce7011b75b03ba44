import Foundation
import Testing
import Torchlight
@testable import TorchlightNN

/// The transposed convolution as the adjoint of convolution, and its bilinear initialisation.
@Suite("Transposed convolution") struct TransposedConvolutionTests {
  /// ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ for any x and y: convT applies the transpose of conv's matrix.
  /// Checked for several strides, paddings, dilations and groups, on a non-contiguous x.
  @Test(arguments: [(1, 0, 1, 1), (2, 1, 1, 1), (3, 2, 1, 2), (2, 0, 2, 1)])
  func isTheAdjointOfConvolution(_ stride: Int, _ padding: Int, _ dilation: Int, _ groups: Int) {
    let g = Generator(seed: UInt64(7 + stride + 10 * padding + 100 * dilation + 1000 * groups))
    let w = Tensor.normal([4, 6 / groups, 3, 3], dtype: .float64, generator: g)
    // x is a transposed view: the identity must hold for any layout.
    let x = Tensor.normal([2, 6, 11, 12], dtype: .float64, generator: g).transposed(2, 3)
    let cx = conv2d(x, weight: w, stride: Size2(stride), padding: Size2(padding), dilation: Size2(dilation), groups: groups)
    let y = Tensor.normal(cx.shape, dtype: .float64, generator: g)
    // The output size of convT can fall short of x's by up to stride − 1: outputPadding restores it.
    let plain = convTranspose2d(y, weight: w, stride: Size2(stride), padding: Size2(padding), groups: groups, dilation: Size2(dilation))
    let extra = Size2(x.shape[2] - plain.shape[2], x.shape[3] - plain.shape[3])
    let ty = convTranspose2d(y, weight: w, stride: Size2(stride), padding: Size2(padding), outputPadding: extra, groups: groups, dilation: Size2(dilation))
    #expect(ty.shape == x.shape)
    let left = (cx * y).sum().item(), right = (x * ty).sum().item()
    #expect(Swift.abs(left - right) <= 1e-10 * Swift.max(1, Swift.abs(left)), "⟨conv x, y⟩ = \(left), ⟨x, convT y⟩ = \(right)")
    // Hence convT(y) is the gradient of ⟨conv(x), y⟩ with respect to x.
    let leaf = x.contiguous().detached()
    leaf.requiresGrad = true
    (conv2d(leaf, weight: w, stride: Size2(stride), padding: Size2(padding), dilation: Size2(dilation), groups: groups) * y).sum().backward()
    #expect((leaf.grad! - ty).abs().max().item() < 1e-12)
  }

  /// With kernel 2s, stride s, padding s/2 the bilinear weights reproduce `interpolate`'s
  /// bilinear upsampling (corners not aligned) everywhere but the s/2-pixel border, where
  /// convT sees zeros beyond the image and interpolate repeats the edge.
  @Test(arguments: [2, 4]) func bilinearInitUpsamplesBilinearly(_ s: Int) {
    let up = ConvTranspose2d(3, 3, kernelSize: Size2(2 * s), stride: Size2(s), padding: Size2(s / 2), bias: false, dtype: .float64)
    Init.bilinear(up.weight)
    let x = Tensor.uniform([2, 3, 5, 7], low: 0, high: 1, dtype: .float64, generator: Generator(seed: 3))
    let (a, b) = withNoGrad { (up(x), interpolate(x, scaleFactor: Double(s), mode: .bilinear)) }
    #expect(a.shape == [2, 3, 5 * s, 7 * s] && b.shape == a.shape)
    let border = s / 2
    let inner = (a - b).narrow(axis: 2, start: border, length: 5 * s - 2 * border).narrow(axis: 3, start: border, length: 7 * s - 2 * border)
    #expect(inner.abs().max().item() < 1e-12)
    // At the border the two differ (so the check above is not vacuous).
    #expect((a - b).abs().max().item() > 1e-3)
  }

  @Test func bilinearKernelValues() {
    // k = 4: f = 2, centre 1.5, tent [0.25, 0.75, 0.75, 0.25]; channel pairs c ≠ d get zeros.
    let w = Tensor.zeros([2, 2, 4, 4], dtype: .float64)
    Init.bilinear(w)
    let tent = [0.25, 0.75, 0.75, 0.25]
    #expect(w[0, 0].toDoubles() == tent.flatMap { u in tent.map { u * $0 } })
    #expect(w[0, 1].abs().max().item() == 0 && w[1, 0].abs().max().item() == 0)
    // k = 3: f = 2, centre 1, tent [0.5, 1, 0.5].
    let odd = Tensor.zeros([1, 1, 3, 3], dtype: .float64)
    Init.bilinear(odd)
    #expect(odd[0, 0, 1].toDoubles() == [0.5, 1, 0.5])
  }
}
