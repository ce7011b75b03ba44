import Foundation
import Testing
@testable import Torchlight

/// One convolution configuration, small enough for a full Jacobian check.
struct ConvCase: CustomTestStringConvertible, Sendable {
  var name: String
  var input: [Int]            // [N, C, H, W]
  var out: Int
  var kernel: Size2
  var stride: Size2 = 1
  var padding: Size2 = 0
  var dilation: Size2 = 1
  var groups = 1
  var bias = true
  var testDescription: String { name }
  var weightShape: [Int] { [out, input[1] / groups, kernel.h, kernel.w] }
}

let convCases: [ConvCase] = [
  ConvCase(name: "plain 3×3", input: [2, 2, 5, 5], out: 3, kernel: 3),
  ConvCase(name: "stride 2, padding 1", input: [1, 2, 5, 6], out: 2, kernel: 3, stride: 2, padding: 1),
  ConvCase(name: "non-square kernel, stride and padding", input: [2, 1, 5, 7], out: 2, kernel: [2, 3], stride: [1, 2], padding: [1, 0]),
  ConvCase(name: "dilation 2", input: [1, 2, 6, 6], out: 2, kernel: 2, dilation: 2),
  ConvCase(name: "groups 2, no bias", input: [2, 4, 4, 4], out: 4, kernel: 2, groups: 2, bias: false),
  ConvCase(name: "depthwise", input: [1, 3, 4, 5], out: 3, kernel: [3, 2], padding: 1, groups: 3),
  ConvCase(name: "1×1", input: [2, 3, 3, 3], out: 2, kernel: 1),
  // Wide rows and few output channels: the direct kernels, not im2col + gemm.
  ConvCase(name: "direct path, padding", input: [2, 2, 3, 18], out: 2, kernel: [2, 3], padding: [1, 1]),
  ConvCase(name: "direct path, dilation", input: [1, 1, 5, 20], out: 2, kernel: 2, dilation: [1, 2]),
  // Eight or more input channels, padding 1: shifted gemms over the stacked batch.
  ConvCase(name: "stacked grid", input: [2, 8, 7, 7], out: 9, kernel: 3, padding: 1),
  ConvCase(name: "stacked grid, groups 2, non-square", input: [1, 16, 7, 8], out: 18, kernel: [3, 2], padding: [1, 1], groups: 2),
  // A 3×3 kernel with 16+ channels on both sides: Winograd's F(2×2, 3×3), odd output sizes (a cut
  // tile at the edge), no padding, padding 2, groups.
  ConvCase(name: "winograd", input: [2, 16, 5, 4], out: 16, kernel: 3, padding: 1),
  ConvCase(name: "winograd, no padding, odd output", input: [1, 16, 7, 6], out: 17, kernel: 3),
  ConvCase(name: "winograd, padding 2, groups 2", input: [1, 32, 3, 4], out: 32, kernel: 3, padding: 2, groups: 2, bias: false),
  // A plane of 64 output pixels: the weight gradient takes Winograd's route too (smaller planes unfold it).
  ConvCase(name: "winograd, weight gradient too", input: [1, 16, 8, 8], out: 16, kernel: 3, padding: 1),
  // k = c·kh·kw ≥ 128 with 16 to 64 output channels per group: the unfolded product is computed transposed.
  ConvCase(name: "stride 2, transposed product", input: [2, 16, 5, 5], out: 16, kernel: 3, stride: 2, padding: 1),
  ConvCase(name: "stride 2, transposed product, groups 2", input: [1, 32, 5, 4], out: 32, kernel: 3, stride: 2, padding: 1, groups: 2),
  // Few input channels and a 5×5 kernel (LeNet's second layer): the flat route, its forward
  // product and weight gradient computed transposed (16 output channels, k = 150).
  ConvCase(name: "flat, transposed product", input: [1, 6, 12, 12], out: 16, kernel: 5),
  // A kernel as large as the image (one output pixel): the batch's products are a dense layer's.
  ConvCase(name: "kernel covers the image", input: [3, 4, 5, 5], out: 6, kernel: 5),
  ConvCase(name: "kernel covers the image, stride 2, no bias", input: [2, 3, 4, 6], out: 5, kernel: [4, 6], stride: 2, bias: false),
]

/// Cross-correlation by its definition, in Double, one output element at a time.
func referenceConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Size2, padding: Size2, dilation: Size2, groups: Int) -> Tensor {
  let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
  let oh = (h + 2 * padding.h - dilation.h * (kh - 1) - 1) / stride.h + 1
  let ow = (wd + 2 * padding.w - dilation.w * (kw - 1) - 1) / stride.w + 1
  let xs = x.contiguous().toDoubles(), ws = w.contiguous().toDoubles(), bs = b?.toDoubles()
  var out = [Double](repeating: 0, count: n * o * oh * ow)
  let og = o / groups
  for ni in 0..<n { for oc in 0..<o { for i in 0..<oh { for j in 0..<ow {
    var sum = bs?[oc] ?? 0
    let g = oc / og
    for ci in 0..<cg { for p in 0..<kh { for q in 0..<kw {
      let y = i * stride.h - padding.h + p * dilation.h, z = j * stride.w - padding.w + q * dilation.w
      guard y >= 0, y < h, z >= 0, z < wd else { continue }
      sum += xs[((ni * c + g * cg + ci) * h + y) * wd + z] * ws[((oc * cg + ci) * kh + p) * kw + q]
    } } }
    out[((ni * o + oc) * oh + i) * ow + j] = sum
  } } } }
  return Tensor(out, shape: [n, o, oh, ow], dtype: .float64)
}

/// Transposed convolution by its definition: every input pixel scatters kernel-weighted copies.
func referenceConvTranspose2d(_ x: Tensor, _ w: Tensor, stride: Size2, padding: Size2, outputPadding: Size2,
                              dilation: Size2, groups: Int) -> Tensor {
  let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  let (coutG, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
  let cout = coutG * groups, cinG = cin / groups
  let oh = (h - 1) * stride.h - 2 * padding.h + dilation.h * (kh - 1) + outputPadding.h + 1
  let ow = (wd - 1) * stride.w - 2 * padding.w + dilation.w * (kw - 1) + outputPadding.w + 1
  let xs = x.contiguous().toDoubles(), ws = w.contiguous().toDoubles()
  var out = [Double](repeating: 0, count: n * cout * oh * ow)
  for ni in 0..<n { for ci in 0..<cin { for i in 0..<h { for j in 0..<wd {
    let g = ci / cinG
    for co in 0..<coutG { for p in 0..<kh { for q in 0..<kw {
      let y = i * stride.h - padding.h + p * dilation.h, z = j * stride.w - padding.w + q * dilation.w
      guard y >= 0, y < oh, z >= 0, z < ow else { continue }
      out[((ni * cout + g * coutG + co) * oh + y) * ow + z] += xs[((ni * cin + ci) * h + i) * wd + j] * ws[((ci * coutG + co) * kh + p) * kw + q]
    } } }
  } } } }
  return Tensor(out, shape: [n, cout, oh, ow], dtype: .float64)
}

func maxDifference(_ a: Tensor, _ b: Tensor) -> Double {
  zip(a.toDoubles(), b.toDoubles()).map { Swift.abs($0 - $1) }.max() ?? 0
}

@Suite struct ConvTests {
  @Test(arguments: convCases) func conv2dMatchesTheDefinition(_ c: ConvCase) {
    for dtype in [DType.float32, .float64] {
      let x = Tensor.randn(c.input, dtype: dtype, generator: Generator(seed: 1))
      let w = Tensor.randn(c.weightShape, dtype: dtype, generator: Generator(seed: 2))
      let b = c.bias ? Tensor.randn([c.out], dtype: dtype, generator: Generator(seed: 3)) : nil
      let y = conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
      let ref = referenceConv2d(x, w, b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
      #expect(y.shape == ref.shape)
      #expect(maxDifference(y, ref) < (dtype == .float32 ? 1e-4 : 1e-12), "\(dtype)")
    }
  }

  /// Batches large enough that several images are unfolded into one gemm, and (with 2 threads)
  /// split across threads, agree with the definition too.
  @Test func largeBatchesAgree() {
    for (input, out, kernel, stride) in [([37, 3, 6, 6], 10, 3, 1), ([19, 2, 4, 20], 3, 3, 1), ([9, 6, 14, 14], 16, 5, 1),
                                           ([21, 4, 9, 9], 6, 3, 2), ([13, 16, 9, 9], 16, 3, 2),
                                           ([11, 32, 9, 8], 20, 3, 1)] {
      let x = Tensor.randn(input, dtype: .float64, generator: Generator(seed: 4))
      let w = Tensor.randn([out, input[1], kernel, kernel], dtype: .float64, generator: Generator(seed: 5))
      let y = conv2d(x, weight: w, stride: Size2(stride), padding: 1)
      #expect(maxDifference(y, referenceConv2d(x, w, nil, stride: Size2(stride), padding: 1, dilation: 1, groups: 1)) < 1e-11)
      let g = Tensor.randn(y.shape, dtype: .float64, generator: Generator(seed: 6))
      // ⟨conv(x, w), g⟩ = ⟨x, convᵀ(g, w)⟩: the input gradient is the adjoint.
      let xl = x.detached().requiringGrad(), wl = w.detached().requiringGrad()
      (conv2d(xl, weight: wl, stride: Size2(stride), padding: 1) * g).sum().backward()
      let lhs = (y * g).sum().item(), rhs = (x * xl.grad!).sum().item(), rhsW = (w * wl.grad!).sum().item()
      #expect(Swift.abs(lhs - rhs) < 1e-9 * Swift.max(1, Swift.abs(lhs)))
      #expect(Swift.abs(lhs - rhsW) < 1e-9 * Swift.max(1, Swift.abs(lhs)))
    }
  }

  /// The float32 kernels (vectorised dot products, five taps per pass, in the direct weight
  /// gradient) agree with float64 on every path, including tap counts that are not a multiple
  /// of five and runs that are not a multiple of eight.
  @Test func float32AgreesWithFloat64() {
    for (input, out, kernel, padding) in [([5, 1, 28, 28], 6, 5, 2), ([3, 2, 11, 13], 4, 3, 1), ([4, 3, 9, 7], 2, 2, 0),
                                          ([6, 6, 14, 14], 16, 5, 0), ([2, 8, 6, 6], 12, 1, 0), ([5, 16, 14, 14], 24, 3, 1),
                                          ([2, 3, 10, 12], 4, 3, 1), ([2, 5, 9, 9], 1, 3, 1)] {
      let x = Tensor.randn(input, dtype: .float64, generator: Generator(seed: 7))
      let w = Tensor.randn([out, input[1], kernel, kernel], dtype: .float64, generator: Generator(seed: 8))
      func run(_ dtype: DType) -> [Tensor] {
        let xl = x.to(dtype).detached().requiringGrad(), wl = w.to(dtype).detached().requiringGrad()
        let y = conv2d(xl, weight: wl, padding: Size2(padding))
        (y * y).sum().backward()
        return [y, xl.grad!, wl.grad!]
      }
      let single = run(.float32)
      for (a, b) in zip(single, run(.float64)) {
        let scale = Swift.max(1, b.abs().max().item())
        #expect(maxDifference(a.to(.float64), b) < 1e-4 * scale, "input \(input), kernel \(kernel)")
      }
      // The same numbers on every run, whatever the thread count.
      for (a, b) in zip(single, run(.float32)) { #expect(maxDifference(a.to(.float64), b.to(.float64)) == 0, "run to run, input \(input)") }
    }
  }

  /// Every route of `ConvRoute` is taken by some case above, so each is checked against the
  /// definition and by gradient checks, and so are its variants.
  @Test func everyKernelPathIsExercised() {
    func geometry(_ c: ConvCase) -> ConvGeometry {
      Tensor.convGeometry(op: "test", input: Tensor.zeros(c.input), weight: Tensor.zeros(c.weightShape), bias: nil,
                          stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
    }
    let geometries = convCases.map(geometry)
    let routes = geometries.map { ConvRoute($0) }
    #expect(Set(routes) == Set(ConvRoute.allCases), "\(routes)")
    // The variants: unfolded products computed transposed (im2col and flat), a weight gradient
    // unfolded on a small plane whose forward pass takes the stacked route, and a Winograd layer
    // on a plane large enough that its weight gradient stays on Winograd's route.
    #expect(zip(geometries, routes).contains { g, route in route == .unfolded && Conv.prefersTransposedProduct(g) })
    #expect(zip(geometries, routes).contains { g, route in route == .flat && Conv.prefersTransposedProduct(g) })
    #expect(zip(geometries, routes).contains { g, route in route == .stacked && ConvRoute.weightGradient(g) == .unfolded })
    #expect(zip(geometries, routes).contains { g, route in route == .winograd && ConvRoute.weightGradient(g) == .winograd })
  }

  @Test func outputShapesFollowPyTorchsFormula() {
    // ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 per axis.
    let x = Tensor.zeros([2, 3, 28, 28])
    #expect(conv2d(x, weight: Tensor.zeros([6, 3, 5, 5]), padding: 2).shape == [2, 6, 28, 28])
    #expect(conv2d(x, weight: Tensor.zeros([6, 3, 5, 5])).shape == [2, 6, 24, 24])
    #expect(conv2d(x, weight: Tensor.zeros([4, 3, 3, 3]), stride: 2).shape == [2, 4, 13, 13])
    #expect(conv2d(x, weight: Tensor.zeros([4, 3, 3, 3]), stride: 2, padding: 1, dilation: 2).shape == [2, 4, 13, 13])
    #expect(conv2d(x, weight: Tensor.zeros([6, 1, 3, 5]), stride: [1, 3], padding: [0, 2], groups: 3).shape == [2, 6, 26, 10])
    #expect(conv2d(Tensor.zeros([3, 7, 7]), weight: Tensor.zeros([2, 3, 3, 3])).shape == [2, 5, 5])
    #expect(conv1d(Tensor.zeros([2, 3, 10]), weight: Tensor.zeros([4, 3, 3]), stride: 2, padding: 1).shape == [2, 4, 5])
    // (H − 1)s − 2p + d(k − 1) + outputPadding + 1.
    #expect(convTranspose2d(Tensor.zeros([1, 4, 5, 5]), weight: Tensor.zeros([4, 2, 3, 3]), stride: 2, padding: 1,
                            outputPadding: 1).shape == [1, 2, 10, 10])
    #expect(convTranspose2d(Tensor.zeros([1, 4, 5, 6]), weight: Tensor.zeros([4, 3, 2, 3]), stride: [2, 1], groups: 2,
                            dilation: [1, 2]).shape == [1, 6, 10, 10])
  }

  @Test func conv1dMatchesConv2dOnARowImage() {
    let x = Tensor.randn([2, 3, 11], dtype: .float64, generator: Generator(seed: 7))
    let w = Tensor.randn([4, 3, 3], dtype: .float64, generator: Generator(seed: 8))
    let b = Tensor.randn([4], dtype: .float64, generator: Generator(seed: 9))
    let y = conv1d(x, weight: w, bias: b, stride: 2, padding: 1, dilation: 2)
    let ref = referenceConv2d(x.unsqueezed(axis: 2), w.unsqueezed(axis: 2), b, stride: [1, 2], padding: [0, 1],
                              dilation: [1, 2], groups: 1).squeezed(axis: 2)
    #expect(y.shape == [2, 4, 5])
    #expect(maxDifference(y, ref) < 1e-12)
  }

  @Test func convTransposeMatchesTheDefinition() {
    let configs: [(x: [Int], w: [Int], s: Size2, p: Size2, op: Size2, d: Size2, g: Int)] = [
      ([2, 3, 4, 4], [3, 2, 3, 3], 2, 1, 1, 1, 1),
      ([1, 4, 3, 5], [4, 1, 2, 3], [1, 2], [0, 1], [0, 1], [2, 1], 2),
      ([2, 2, 3, 20], [2, 3, 2, 2], 1, 0, 0, 1, 1),
      ([3, 6, 1, 1], [6, 4, 5, 5], 1, 0, 0, 1, 1),    // 1 × 1 noise to a 5 × 5 map, as DCGAN's generator begins
    ]
    for c in configs {
      let x = Tensor.randn(c.x, dtype: .float64, generator: Generator(seed: 10))
      let w = Tensor.randn(c.w, dtype: .float64, generator: Generator(seed: 11))
      let b = Tensor.randn([c.w[1] * c.g], dtype: .float64, generator: Generator(seed: 12))
      let y = convTranspose2d(x, weight: w, bias: b, stride: c.s, padding: c.p, outputPadding: c.op, groups: c.g, dilation: c.d)
      let ref = referenceConvTranspose2d(x, w, stride: c.s, padding: c.p, outputPadding: c.op, dilation: c.d, groups: c.g)
        + b.view([1, -1, 1, 1])
      #expect(y.shape == ref.shape)
      #expect(maxDifference(y, ref) < 1e-12)
    }
  }

  @Test(arguments: convCases) func conv2dGradientsCheck(_ c: ConvCase) {
    // The input arrives as a permuted (non-contiguous) view, the weight transposed in its last two axes.
    let xStored = gradLeaf([c.input[0], c.input[2], c.input[3], c.input[1]], .contiguous, seed: 20)
    let x = xStored.detached().permuted(0, 3, 1, 2).requiringGrad()
    #expect(!x.isContiguous || c.input[1] == 1)
    let w = gradLeaf(c.weightShape, .transposed, seed: 21)
    let b = c.bias ? gradLeaf([c.out], .contiguous, seed: 22) : nil
    let inputs = [x, w] + (b.map { [$0] } ?? [])
    expectGradients({ t in
      conv2d(t[0], weight: t[1], bias: c.bias ? t[2] : nil, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
    }, inputs)
  }

  @Test func conv2dSecondDerivativesCheck() {
    let x = gradLeaf([1, 2, 4, 4], .contiguous, seed: 30)
    let w = gradLeaf([2, 1, 2, 2], .contiguous, seed: 31)
    let b = gradLeaf([2], .contiguous, seed: 32)
    expectGradients({ t in conv2d(t[0], weight: t[1], bias: t[2], stride: [2, 1], padding: 1, groups: 2) }, [x, w, b],
                    secondOrder: true)
    // The stacked-grid path (eight input channels, a 2×2 kernel with padding 1).
    expectGradients({ t in conv2d(t[0], weight: t[1], padding: 1).tanh() },
                    [gradLeaf([1, 8, 4, 4], .transposed, seed: 35), gradLeaf([9, 8, 2, 2], .contiguous, seed: 36)], secondOrder: true)
    // Winograd's route (16 channels on both sides, a 3×3 kernel).
    expectGradients({ t in conv2d(t[0], weight: t[1], padding: 1).tanh() },
                    [gradLeaf([1, 16, 2, 3], .transposed, seed: 37), gradLeaf([16, 16, 3, 3], .contiguous, seed: 38)], secondOrder: true)
    // Through a nonlinearity, so the second derivative is not just the bilinear cross term.
    expectGradients({ t in conv2d(t[0].tanh(), weight: t[1]).sigmoid() }, [gradLeaf([1, 1, 3, 18], .contiguous, seed: 33),
                                                                       gradLeaf([1, 1, 2, 3], .contiguous, seed: 34)],
                    secondOrder: true)
  }

  @Test func conv1dAndConvTransposeGradientsCheck() {
    let x1 = gradLeaf([2, 2, 7], .transposed, seed: 40)
    let b1 = gradLeaf([3], .contiguous, seed: 42)
    expectGradients({ t in conv1d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 1, groups: 1) },
                    [x1, gradLeaf([3, 2, 3], .contiguous, seed: 41), b1])
    expectGradients({ t in conv1d(t[0], weight: t[1], dilation: 2, groups: 2) }, [gradLeaf([1, 2, 7], .strided, seed: 43), gradLeaf([2, 1, 2], .contiguous, seed: 44)])
    let x = gradLeaf([1, 2, 3, 3], .transposed, seed: 45), w = gradLeaf([2, 2, 3, 2], .contiguous, seed: 46)
    let b = gradLeaf([2], .contiguous, seed: 47)
    expectGradients({ t in convTranspose2d(t[0], weight: t[1], bias: t[2], stride: 2, padding: [1, 0], outputPadding: [1, 0]) }, [x, w, b],
                    secondOrder: true)
    // From a 1 × 1 input (the whole-image route), through a nonlinearity.
    expectGradients({ t in convTranspose2d(t[0], weight: t[1], bias: t[2]).tanh() },
                    [gradLeaf([2, 3, 1, 1], .contiguous, seed: 48), gradLeaf([3, 2, 3, 3], .transposed, seed: 49), gradLeaf([2], .contiguous, seed: 50)],
                    secondOrder: true)
  }

  @Test func backwardNodesHavePyTorchNames() {
    let x = Tensor.randn([1, 1, 4, 4]).requiringGrad()
    let y = conv2d(x, weight: Tensor.randn([1, 1, 3, 3]))
    #expect(y.gradFn?.name == "ConvolutionBackward")
  }

  @Test func kernelLargerThanThePaddedInputStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = conv2d(Tensor.zeros([1, 1, 4, 4]), weight: Tensor.zeros([1, 1, 7, 3]), padding: 1)
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("conv2d: kernel 7×3"))
    #expect(text.contains("larger than the padded input 6×6"))
  }

  @Test func channelsNotDivisibleByGroupsStop() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = conv2d(Tensor.zeros([1, 3, 4, 4]), weight: Tensor.zeros([4, 1, 3, 3]), groups: 2)
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("divisible by groups = 2"))
    #expect(text.contains("[1, 3, 4, 4]"))
  }
}
