import Foundation
import TorchlightNN
import TorchlightPlot

/// Two-dimensional cross-correlation written out, as the textbook does: each output element is
/// the sum of the elementwise product of the kernel with the window of the input under it,
///     Y[i, j] = Σₐ Σᵦ X[i + a, j + b] · K[a, b],
/// for every window position that fits: Y is (h − kh + 1) × (w − kw + 1). Built from slices and
/// sums, so autograd differentiates it too (slowly: one small graph node per output element).
func corr2d(_ x: Tensor, _ k: Tensor) -> Tensor {
  let (kh, kw) = (k.shape[0], k.shape[1])
  let (oh, ow) = (x.shape[0] - kh + 1, x.shape[1] - kw + 1)
  var rows: [Tensor] = []
  for i in 0..<oh {
    var row: [Tensor] = []
    for j in 0..<ow { row.append((x[i..<(i + kh), j..<(j + kw)] * k).sum()) }
    rows.append(Tensor.stack(row))
  }
  return Tensor.stack(rows)
}

/// The textbook's first examples, printed: a 3×3 input with a 2×2 kernel; a vertical edge found by
/// the kernel [1, −1]; and that kernel learned back from the input and the edge map alone.
func runScratchConvolution(_ plotter: Plotter, sampleImage: Tensor?) throws {
  let x = Tensor.arange(0, 9, dtype: .float64).reshaped(3, 3)
  let k = Tensor([[0.0, 1], [2, 3]])
  print("  X = \(rowsText(x)),  K = \(rowsText(k))")
  print("  corr2d(X, K) = \(rowsText(corr2d(x, k)))   (top left: 0·0 + 1·1 + 3·2 + 4·3 = 19)")

  // A white image with a black band in the middle: the kernel [1, −1] answers +1 where white
  // turns black (left to right), −1 where black turns white, and 0 on flat regions.
  let image = Tensor.ones([6, 8], dtype: .float64)
  image[.all, 2..<6] = Tensor.zeros([6, 4], dtype: .float64)
  let edge = Tensor([[1.0, -1]])
  let edges = corr2d(image, edge)
  print("  edge detection with K = [1, -1] on a 6×8 image with a dark band in columns 2…5:")
  print("    row of X: \(valuesText(image[0])) → row of Y: \(valuesText(edges[0]))")
  print("    the transposed image gives no response to this kernel: \(edges.abs().sum().item() > 0 && corr2d(image.t(), edge).abs().sum().item() == 0)")

  // Learning the kernel: start from random values and fit Y = corr2d(X, K) by gradient descent
  // on the squared error, using nothing but the input and the wanted output.
  let learned = (Tensor.randn([1, 2], dtype: .float64, generator: Generator(seed: 1))).requiringGrad()
  for step in 1...10 {
    let loss = (corr2d(image, learned) - edges).pow(2).sum()
    loss.backward()
    withNoGrad { learned -= learned.grad! * 0.03 }
    learned.zeroGrad()
    if step % 2 == 0 { print("    step \(step): loss \(String(format: "%.4f", loss.item()))") }
  }
  print("  learned kernel: \(valuesText(learned.reshaped(-1)))   (the edge detector is [1, -1])")

  // The same two kernels on a real picture: vertical and horizontal edges of a Fashion-MNIST item.
  guard let picture = sampleImage else { return }
  let p = picture.reshaped(28, 28).to(.float64)
  let vertical = corr2d(p, Tensor([[1.0, -1]])), horizontal = corr2d(p, Tensor([[1.0], [-1]]))
  func padded(_ t: Tensor) -> [Double] {       // back to 28×28 so the three images line up
    var values = [Double](repeating: 0, count: 28 * 28)
    let (h, w) = (t.shape[0], t.shape[1]), flat = t.toDoubles()
    for i in 0..<h { for j in 0..<w { values[i * 28 + j] = flat[i * w + j] } }
    return values
  }
  try plotter.save(ImageGrid(title: "Cross-correlation with [1, −1] and its transpose: vertical and horizontal edges",
                             images: [p.toDoubles(), padded(vertical), padded(horizontal)], height: 28, width: 28, columns: 3,
                             captions: ["image", "K = [1, −1]", "K = [1, −1]ᵀ"], colorScale: .signed, colorLabel: "value"),
                   name: "edges", width: 900, height: 380)
}

func valuesText(_ t: Tensor) -> String { "[" + t.toDoubles().map { String(format: "%g", ($0 * 1000).rounded() / 1000) }.joined(separator: ", ") + "]" }
func rowsText(_ t: Tensor) -> String { "[" + (0..<t.shape[0]).map { valuesText(t[$0]) }.joined(separator: ", ") + "]" }
