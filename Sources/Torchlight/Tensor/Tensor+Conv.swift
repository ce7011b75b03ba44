/// A pair of sizes for the two spatial axes (height, width), written `3` for both or `[3, 5]`
/// for each: PyTorch's `int or tuple` arguments (`kernel_size=3`, `stride=(2, 1)`).
public struct Size2: Equatable, Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, CustomStringConvertible {
  public var h: Int
  public var w: Int
  public init(_ both: Int) { h = both; w = both }
  public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }
  public init(integerLiteral value: Int) { self.init(value) }
  public init(arrayLiteral elements: Int...) {
    precondition(elements.count == 2, "Size2: expected [height, width], got \(elements)")
    self.init(elements[0], elements[1])
  }
  public var description: String { h == w ? "\(h)" : "\(h)×\(w)" }
}

// MARK: - Convolutions (`F.conv1d`, `F.conv2d`, `F.conv_transpose2d`)

/// 2-D convolution (cross-correlation, as every deep-learning library computes it):
/// `y[n, o, i, j] = bias[o] + Σ_{c, p, q} x[n, g·C/G + c, i·sh − ph + p·dh, j·sw − pw + q·dw] · w[o, c, p, q]`
/// where g is output channel o's group. Shapes: x `[N, C, H, W]` (or unbatched `[C, H, W]`),
/// weight `[O, C/groups, kh, kw]`, bias `[O]`, result `[N, O, OH, OW]` with
/// `OH = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1`.
///
/// Computed by im2col + gemm (see `Kernels/Conv.swift`). The gradient with respect to x is the
/// transposed convolution of the output gradient, and the one with respect to the weight is a
/// correlation of x with the output gradient; both are themselves differentiable ops, so second
/// derivatives work.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Size2 = 1, padding: Size2 = 0,
                   dilation: Size2 = 1, groups: Int = 1) -> Tensor {
  if let c = Autocast.inputs(of: .conv2d, [x, weight, bias]) {
    return conv2d(c[0]!, weight: c[1]!, bias: c[2], stride: stride, padding: padding, dilation: dilation, groups: groups)
  }
  if x.rank == 3 {
    return conv2d(x.unsqueezed(axis: 0), weight: weight, bias: bias, stride: stride, padding: padding,
                  dilation: dilation, groups: groups).squeezed(axis: 0)
  }
  let geo = Tensor.convGeometry(op: "conv2d", input: x, weight: weight, bias: bias, stride: stride,
                                padding: padding, dilation: dilation, groups: groups)
  return Tensor.convolution(x, weight, bias, geo)
}

/// 1-D convolution: x `[N, C, L]` (or `[C, L]`), weight `[O, C/groups, k]`, result
/// `[N, O, ⌊(L + 2p − d·(k − 1) − 1)/s⌋ + 1]`. It is `conv2d` on images of height 1.
public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                   dilation: Int = 1, groups: Int = 1) -> Tensor {
  if let c = Autocast.inputs(of: .conv1d, [x, weight, bias]) {
    return conv1d(c[0]!, weight: c[1]!, bias: c[2], stride: stride, padding: padding, dilation: dilation, groups: groups)
  }
  guard x.rank == 3 || x.rank == 2, weight.rank == 3 else {
    fatalError("conv1d: expected input [N, C, L] or [C, L] and weight [O, C/groups, k], got input \(x.shape) and weight \(weight.shape)")
  }
  let y = conv2d(x.unsqueezed(axis: -2), weight: weight.unsqueezed(axis: -2), bias: bias, stride: Size2(1, stride),
                 padding: Size2(0, padding), dilation: Size2(1, dilation), groups: groups)
  return y.squeezed(axis: -2)
}

/// 2-D transposed convolution (`F.conv_transpose2d`, sometimes called "deconvolution"): the
/// adjoint of `conv2d` with respect to its input, so it maps a `conv2d` output shape back to
/// an input shape. x `[N, Cin, H, W]`, weight `[Cin, Cout/groups, kh, kw]`, bias `[Cout]`,
/// result `[N, Cout, (H − 1)·sh − 2·ph + dh·(kh − 1) + outputPadding.h + 1, …]`.
/// `outputPadding` (smaller than the stride) picks among the input sizes that a strided
/// convolution maps to the same output size.
public func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Size2 = 1, padding: Size2 = 0,
                            outputPadding: Size2 = 0, groups: Int = 1, dilation: Size2 = 1) -> Tensor {
  if let c = Autocast.inputs(of: .convTranspose2d, [x, weight, bias]) {
    return convTranspose2d(c[0]!, weight: c[1]!, bias: c[2], stride: stride, padding: padding, outputPadding: outputPadding,
                           groups: groups, dilation: dilation)
  }
  if x.rank == 3 {
    return convTranspose2d(x.unsqueezed(axis: 0), weight: weight, bias: bias, stride: stride, padding: padding,
                           outputPadding: outputPadding, groups: groups, dilation: dilation).squeezed(axis: 0)
  }
  let op = "convTranspose2d"
  guard x.rank == 4, weight.rank == 4 else {
    fatalError("\(op): expected input [N, Cin, H, W] and weight [Cin, Cout/groups, kh, kw], got input \(x.shape) and weight \(weight.shape)")
  }
  Tensor.checkConvArguments(op: op, stride: stride, padding: padding, dilation: dilation, groups: groups)
  guard x.shape[1] == weight.shape[0], weight.shape[0] % groups == 0 else {
    fatalError("\(op): input \(x.shape) has \(x.shape[1]) channels but weight \(weight.shape) expects \(weight.shape[0]) (and they must divide by groups = \(groups))")
  }
  guard outputPadding.h >= 0, outputPadding.w >= 0, outputPadding.h < stride.h || outputPadding.h < dilation.h,
        outputPadding.w < stride.w || outputPadding.w < dilation.w else {
    fatalError("\(op): output padding \(outputPadding) must be smaller than the stride \(stride) or the dilation \(dilation)")
  }
  let kh = weight.shape[2], kw = weight.shape[3]
  let hOut = (x.shape[2] - 1) * stride.h - 2 * padding.h + dilation.h * (kh - 1) + outputPadding.h + 1
  let wOut = (x.shape[3] - 1) * stride.w - 2 * padding.w + dilation.w * (kw - 1) + outputPadding.w + 1
  guard hOut > 0, wOut > 0 else {
    fatalError("\(op): input \(x.shape) with kernel \(kh)×\(kw), stride \(stride), padding \(padding) gives an empty output \(hOut)×\(wOut)")
  }
  let cOut = weight.shape[1] * groups
  // The convolution this one is the adjoint of: input [N, Cout, hOut, wOut], output = x.
  let geo = ConvGeometry(n: x.shape[0], c: cOut, h: hOut, w: wOut, o: weight.shape[0], kh: kh, kw: kw,
                         sh: stride.h, sw: stride.w, ph: padding.h, pw: padding.w, dh: dilation.h, dw: dilation.w,
                         groups: groups, oh: x.shape[2], ow: x.shape[3])
  guard ConvGeometry.outputSize(hOut, kernel: kh, stride: stride.h, padding: padding.h, dilation: dilation.h) == x.shape[2],
        ConvGeometry.outputSize(wOut, kernel: kw, stride: stride.w, padding: padding.w, dilation: dilation.w) == x.shape[3] else {
    fatalError("\(op): output padding \(outputPadding) must be smaller than the stride \(stride) for input \(x.shape)")
  }
  if let bias { Tensor.checkBias(op: op, bias, channels: cOut) }
  let y = Tensor.convTransposed(x, weight, geo)
  return bias.map { y + $0.view([1, cOut, 1, 1]) } ?? y
}

extension Tensor {
  /// Checks the shapes of a convolution and works out its output size; a bad configuration
  /// stops with a message naming `op` and every shape involved.
  static func convGeometry(op: String, input x: Tensor, weight: Tensor, bias: Tensor?, stride: Size2, padding: Size2,
                           dilation: Size2, groups: Int) -> ConvGeometry {
    guard x.rank == 4, weight.rank == 4 else {
      fatalError("\(op): expected input [N, C, H, W] and weight [O, C/groups, kh, kw], got input \(x.shape) and weight \(weight.shape)")
    }
    checkConvArguments(op: op, stride: stride, padding: padding, dilation: dilation, groups: groups)
    let c = x.shape[1], o = weight.shape[0]
    guard c % groups == 0, o % groups == 0 else {
      fatalError("\(op): input channels \(c) and output channels \(o) must both be divisible by groups = \(groups) (input \(x.shape), weight \(weight.shape))")
    }
    guard weight.shape[1] * groups == c else {
      fatalError("\(op): input \(x.shape) has \(c) channels, but weight \(weight.shape) with groups = \(groups) expects \(weight.shape[1] * groups)")
    }
    guard x.dtype == weight.dtype, x.dtype.isFloatingPoint else {
      fatalError("\(op): input and weight must share a float dtype, got \(x.dtype) and \(weight.dtype)")
    }
    let kh = weight.shape[2], kw = weight.shape[3]
    guard let oh = ConvGeometry.outputSize(x.shape[2], kernel: kh, stride: stride.h, padding: padding.h, dilation: dilation.h),
          let ow = ConvGeometry.outputSize(x.shape[3], kernel: kw, stride: stride.w, padding: padding.w, dilation: dilation.w),
          kh > 0, kw > 0 else {
      let ekh = dilation.h * (kh - 1) + 1, ekw = dilation.w * (kw - 1) + 1
      fatalError("\(op): kernel \(kh)×\(kw) (dilated \(ekh)×\(ekw)) is larger than the padded input \(x.shape[2] + 2 * padding.h)×\(x.shape[3] + 2 * padding.w) (input \(x.shape), weight \(weight.shape), padding \(padding))")
    }
    if let bias { checkBias(op: op, bias, channels: o) }
    return ConvGeometry(n: x.shape[0], c: c, h: x.shape[2], w: x.shape[3], o: o, kh: kh, kw: kw,
                        sh: stride.h, sw: stride.w, ph: padding.h, pw: padding.w, dh: dilation.h, dw: dilation.w,
                        groups: groups, oh: oh, ow: ow)
  }

  static func checkConvArguments(op: String, stride: Size2, padding: Size2, dilation: Size2, groups: Int) {
    guard stride.h > 0, stride.w > 0, dilation.h > 0, dilation.w > 0, padding.h >= 0, padding.w >= 0, groups > 0 else {
      fatalError("\(op): stride \(stride) and dilation \(dilation) must be positive, padding \(padding) non-negative, groups \(groups) positive")
    }
  }

  static func checkBias(op: String, _ bias: Tensor, channels: Int) {
    guard bias.shape == [channels] else {
      fatalError("\(op): bias must have shape [\(channels)] (one per output channel), got \(bias.shape)")
    }
  }

  // MARK: The three differentiable primitives
  // C(x, w) = convolution, T(g, w) = its adjoint in x (transposed convolution),
  // WG(x, g) = its adjoint in w (the weight gradient). Each one's backward is written with the
  // other two, so every derivative of any order is again one of these three.

  /// C(x, w) + bias.
  static func convolution(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ geo: ConvGeometry) -> Tensor {
    // Half formats: products and sums in float32, the output rounded once.
    let xc = x.contiguous().widened(), wc = weight.contiguous().widened(), bc = bias?.to(x.dtype).contiguous().widened()
    let wide = Tensor(uninitialized: geo.outputShape, dtype: xc.dtype)
    func run<T: FloatElement>(_: T.Type) {
      Conv.forward(x: xc.base(T.self), weight: wc.base(T.self), bias: bc.map { UnsafePointer($0.base(T.self)) },
                   out: wide.base(T.self), geo)
    }
    if xc.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    let out = wide.narrowed(to: x.dtype)
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    // ∂/∂x = T(g, w), ∂/∂w = WG(x, g), ∂/∂bias = Σ of g over batch and positions.
    return out.recorded("ConvolutionBackward", inputs: inputs, saving: [x, weight]) { g in
      [x.requiresGrad ? Tensor.convTransposed(g, weight, geo) : nil,
       weight.requiresGrad ? Tensor.convWeightGradient(x, g, geo) : nil] +
      (bias.map { b in [b.requiresGrad ? g.sum(axes: [0, 2, 3]) : nil] } ?? [])
    }
  }

  /// T(g, w): `g` has the convolution's output shape, the result its input shape.
  static func convTransposed(_ g: Tensor, _ weight: Tensor, _ geo: ConvGeometry) -> Tensor {
    let gc = g.to(weight.dtype).contiguous().widened(), wc = weight.contiguous().widened()
    let wide = Tensor(uninitialized: geo.inputShape, dtype: wc.dtype)
    func run<T: FloatElement>(_: T.Type) {
      Conv.inputGradient(gy: gc.base(T.self), weight: wc.base(T.self), dx: wide.base(T.self), geo)
    }
    if wc.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    let out = wide.narrowed(to: weight.dtype)
    // ⟨T(g, w), u⟩ = ⟨g, C(u, w)⟩, so ∂/∂g = C(u, w) and ∂/∂w = WG(u, g) for the incoming u.
    return out.recorded("ConvolutionBackwardInput", inputs: [g, weight], saving: [g, weight]) { u in
      [g.requiresGrad ? Tensor.convolution(u, weight, nil, geo) : nil,
       weight.requiresGrad ? Tensor.convWeightGradient(u, g, geo) : nil]
    }
  }

  /// WG(x, g): the weight-shaped correlation of the input with the output gradient.
  static func convWeightGradient(_ x: Tensor, _ g: Tensor, _ geo: ConvGeometry) -> Tensor {
    let xc = x.contiguous().widened(), gc = g.to(x.dtype).contiguous().widened()
    let wide = Tensor(uninitialized: geo.weightShape, dtype: xc.dtype)
    func run<T: FloatElement>(_: T.Type) {
      Conv.weightGradient(x: xc.base(T.self), gy: gc.base(T.self), dw: wide.base(T.self), geo)
    }
    if xc.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    let out = wide.narrowed(to: x.dtype)
    // ⟨WG(x, g), v⟩ = ⟨g, C(x, v)⟩ = ⟨T(g, v), x⟩.
    return out.recorded("ConvolutionBackwardWeight", inputs: [x, g], saving: [x, g]) { v in
      [x.requiresGrad ? Tensor.convTransposed(g, v, geo) : nil,
       g.requiresGrad ? Tensor.convolution(x, v, nil, geo) : nil]
    }
  }
}
