// Pooling, unpooling, resizing and padding of images `[N, C, H, W]` (or unbatched `[C, H, W]`),
// PyTorch's `F.max_pool2d`, `F.avg_pool2d`, `F.adaptive_*_pool2d`, `F.max_unpool2d`,
// `F.interpolate` and `F.pad`.

// MARK: - Max pooling

/// The largest value in each `kernelSize` window, windows `stride` apart (default: the kernel
/// size, so they tile the image), with `padding` (−∞, never chosen) and `dilation`. Output size
/// `⌊(H + 2p − d·(k − 1) − 1)/s⌋ + 1`, or rounded up with `ceilMode`. The gradient goes to the
/// element that was the maximum; ties go to the first in row-major window order.
public func maxPool2d(_ x: Tensor, kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0, dilation: Size2 = 1,
                      ceilMode: Bool = false) -> Tensor {
  maxPool2dWithIndices(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode).values
}

/// `maxPool2d` that also returns where each maximum was: an int64 tensor of the output's shape
/// holding indices into the flattened `H·W` plane (`return_indices=True`), for `maxUnpool2d`.
public func maxPool2dWithIndices(_ x: Tensor, kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0,
                                 dilation: Size2 = 1, ceilMode: Bool = false) -> (values: Tensor, indices: Tensor) {
  Tensor.unbatched(x) { x in
    let plan = Tensor.poolPlan(op: "maxPool2d", x, kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding,
                               dilation: dilation, ceilMode: ceilMode, countIncludePad: true, maxPool: true)
    return Tensor.maxPooled(x, plan, op: "maxPool2d")
  }
}

/// Max pooling with a fixed output size: output (i, j) takes the maximum over input rows
/// `⌊i·H/OH⌋ ..< ⌈(i+1)·H/OH⌉` and the matching columns (`F.adaptive_max_pool2d`).
public func adaptiveMaxPool2d(_ x: Tensor, outputSize: Size2) -> Tensor {
  adaptiveMaxPool2dWithIndices(x, outputSize: outputSize).values
}

/// `adaptiveMaxPool2d` with the indices of the maxima.
public func adaptiveMaxPool2dWithIndices(_ x: Tensor, outputSize: Size2) -> (values: Tensor, indices: Tensor) {
  Tensor.unbatched(x) { x in
    Tensor.maxPooled(x, Tensor.adaptivePlan(op: "adaptiveMaxPool2d", x, outputSize), op: "adaptiveMaxPool2d")
  }
}

/// The partial inverse of max pooling (`F.max_unpool2d`): each value goes back to the position
/// its index names, everything else is 0. The output is `(H − 1)·s − 2p + k` per axis unless
/// `outputSize` says otherwise (needed when the pooled size was rounded down).
public func maxUnpool2d(_ x: Tensor, indices: Tensor, kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0,
                        outputSize: Size2? = nil) -> Tensor {
  if let c = Autocast.inputs(of: .maxUnpool2d, [x]) {
    return maxUnpool2d(c[0]!, indices: indices, kernelSize: kernelSize, stride: stride, padding: padding, outputSize: outputSize)
  }
  let op = "maxUnpool2d"
  guard x.rank == 4 || x.rank == 3, indices.shape == x.shape, indices.dtype == .int64 else {
    fatalError("\(op): expected input [N, C, H, W] or [C, H, W] and int64 indices of the same shape, got input \(x.shape) and \(indices.dtype) indices \(indices.shape)")
  }
  let s = stride ?? kernelSize
  let size = outputSize ?? Size2((x.shape[x.rank - 2] - 1) * s.h - 2 * padding.h + kernelSize.h,
                                 (x.shape[x.rank - 1] - 1) * s.w - 2 * padding.w + kernelSize.w)
  guard size.h > 0, size.w > 0 else { fatalError("\(op): output size \(size) for input \(x.shape) is empty") }
  let shape = Array(x.shape.dropLast(2)) + [size.h, size.w]
  return Tensor.planeScatter(x, indices, shape: shape, accumulate: false, op: op)
}

// MARK: - Average pooling

/// The mean of each window (`F.avg_pool2d`). With `countIncludePad` (the default) padding zeros
/// count in the divisor; without, only real pixels do. `divisorOverride` replaces the divisor.
public func avgPool2d(_ x: Tensor, kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0, ceilMode: Bool = false,
                      countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
  Tensor.unbatched(x) { x in
    var plan = Tensor.poolPlan(op: "avgPool2d", x, kernelSize: kernelSize, stride: stride ?? kernelSize, padding: padding,
                               dilation: 1, ceilMode: ceilMode, countIncludePad: countIncludePad, maxPool: false)
    if let d = divisorOverride {
      guard d != 0 else { fatalError("avgPool2d: divisorOverride must not be 0") }
      plan.divisorOverride = d
    }
    return Tensor.avgPooled(x, plan)
  }
}

/// Average pooling to a fixed output size (`F.adaptive_avg_pool2d`); `outputSize` 1 is global
/// average pooling.
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: Size2) -> Tensor {
  Tensor.unbatched(x) { x in Tensor.avgPooled(x, Tensor.adaptivePlan(op: "adaptiveAvgPool2d", x, outputSize)) }
}

// MARK: - Resizing

/// How `interpolate` fills in new pixels.
public enum InterpolationMode: String, Sendable {
  /// Copy the nearest input pixel (the one at ⌊i·scale⌋).
  case nearest
  /// Blend the four nearest input pixels by distance.
  case bilinear
}

/// Resizes images to `size`, or by `scaleFactor` (`F.interpolate`, `nn.Upsample`). Bilinear
/// with `alignCorners` maps the corner pixels' centres onto each other; without, it maps the
/// corners of the pixel grid (PyTorch's default, `align_corners=False`).
///
/// Both modes are linear maps applied to the rows and then to the columns: nearest picks rows
/// and columns (`indexSelect`), bilinear multiplies by interpolation matrices `A_H·X·A_Wᵀ`, so
/// the gradients (and their gradients) come from those ops.
public func interpolate(_ x: Tensor, size: Size2? = nil, scaleFactor: Double? = nil, mode: InterpolationMode = .nearest,
                        alignCorners: Bool = false) -> Tensor {
  let op = "interpolate"
  guard x.rank == 4 || x.rank == 3 else {
    fatalError("\(op): expected images [N, C, H, W] or [C, H, W], got shape \(x.shape)")
  }
  guard (size == nil) != (scaleFactor == nil) else {
    fatalError("\(op): give exactly one of size and scaleFactor")
  }
  if let scaleFactor, !(scaleFactor > 0) { fatalError("\(op): scaleFactor must be positive, got \(scaleFactor)") }
  let h = x.shape[x.rank - 2], w = x.shape[x.rank - 1]
  let out = size ?? Size2(Int((Double(h) * scaleFactor!).rounded(.down)), Int((Double(w) * scaleFactor!).rounded(.down)))
  guard out.h > 0, out.w > 0, h > 0, w > 0 else {
    fatalError("\(op): input \(x.shape) resized to \(out.h)×\(out.w) is empty")
  }
  func scale(_ input: Int, _ output: Int) -> Double {
    if mode == .bilinear && alignCorners { return output > 1 ? Double(input - 1) / Double(output - 1) : 0 }
    return scaleFactor.map { 1 / $0 } ?? Double(input) / Double(output)
  }
  switch mode {
  case .nearest:
    func picks(_ input: Int, _ output: Int) -> [Int] {
      let s = scale(input, output)
      return (0..<output).map { Swift.min(Int((Double($0) * s).rounded(.down)), input - 1) }
    }
    let rowPicks = picks(h, out.h), colPicks = picks(w, out.w)
    // Each pixel copied to a k×k block: the adjoint of k×k sum pooling, one pass over memory.
    if let k = Tensor.blockFactor(rowPicks, input: h), k == Tensor.blockFactor(colPicks, input: w), x.dtype.isFloatingPoint {
      return Tensor.unbatched(x) { Tensor.upsampledNearest($0, factor: k) }
    }
    func rows(_ picks: [Int]) -> Tensor { Tensor(picks.map(Double.init), dtype: .int64) }
    return x.indexSelect(axis: -2, index: rows(rowPicks)).indexSelect(axis: -1, index: rows(colPicks))
  case .bilinear:
    /// The [output, input] matrix whose row i holds the two blending weights of output i.
    func matrix(_ input: Int, _ output: Int) -> Tensor {
      let s = scale(input, output)
      var m = [Double](repeating: 0, count: output * input)
      for i in 0..<output {
        let src = alignCorners ? Double(i) * s : Swift.max(0, (Double(i) + 0.5) * s - 0.5)
        let i0 = Swift.min(Int(src), input - 1), i1 = Swift.min(i0 + 1, input - 1)
        let t = src - Double(i0)
        m[i * input + i0] += 1 - t
        m[i * input + i1] += t
      }
      return Tensor(m, shape: [output, input], dtype: x.dtype)
    }
    return matrix(h, out.h).matmul(x).matmul(matrix(w, out.w).t())
  }
}

// MARK: - Padding

/// Pads the last axes with `value` (`F.pad`, constant mode). `padding` lists (before, after)
/// pairs starting from the last axis, as PyTorch does: `[left, right, top, bottom]` for images.
/// Negative amounts crop. The gradient is the matching slice of the output gradient.
public func pad(_ x: Tensor, _ padding: [Int], value: Double = 0) -> Tensor {
  guard padding.count % 2 == 0, padding.count / 2 <= x.rank else {
    fatalError("pad: padding \(padding) must hold (before, after) pairs for at most \(x.rank) axes of input \(x.shape)")
  }
  var crop = [TensorIndex](repeating: .slice(nil, nil), count: x.rank)
  var place = crop
  var shape = x.shape
  for pair in 0..<(padding.count / 2) {
    let axis = x.rank - 1 - pair, before = padding[2 * pair], after = padding[2 * pair + 1]
    let size = x.shape[axis]
    guard size + before + after >= 0 else {
      fatalError("pad: padding (\(before), \(after)) of axis \(axis) leaves a negative size for input \(x.shape)")
    }
    crop[axis] = .slice(Swift.max(-before, 0), size - Swift.max(-after, 0))
    let kept = Swift.max(size - Swift.max(-before, 0) - Swift.max(-after, 0), 0)
    place[axis] = .slice(Swift.max(before, 0), Swift.max(before, 0) + kept)
    shape[axis] = size + before + after
  }
  let cropped = padding.contains(where: { $0 < 0 }) ? x.indexed(crop) : x
  let padded = cropped.embedded(into: shape, at: place)
  guard value != 0 else { return padded }
  let border = Tensor.full(shape, value, dtype: x.dtype)
  border.indexedView(place).fill(0)
  return padded + border
}

/// Pads images with zeros: `[left, right, top, bottom]` (`nn.ZeroPad2d`).
public func zeroPad2d(_ x: Tensor, padding: [Int]) -> Tensor {
  guard padding.count == 4 else { fatalError("zeroPad2d: padding must be [left, right, top, bottom], got \(padding)") }
  return pad(x, padding)
}

// MARK: - Plans and differentiable primitives

extension Tensor {
  /// Runs a batched op on an unbatched `[C, H, W]` image by adding and removing the batch axis.
  static func unbatched(_ x: Tensor, _ body: (Tensor) -> Tensor) -> Tensor {
    x.rank == 3 ? body(x.unsqueezed(axis: 0)).squeezed(axis: 0) : body(x)
  }

  static func unbatched(_ x: Tensor, _ body: (Tensor) -> (values: Tensor, indices: Tensor)) -> (values: Tensor, indices: Tensor) {
    guard x.rank == 3 else { return body(x) }
    let (v, i) = body(x.unsqueezed(axis: 0))
    return (v.squeezed(axis: 0), i.squeezed(axis: 0))
  }

  static func requirePoolInput(op: String, _ x: Tensor) {
    guard x.rank == 4 else {
      fatalError("\(op): expected images [N, C, H, W] or [C, H, W], got shape \(x.shape)")
    }
    guard x.dtype.isFloatingPoint else {
      fatalError("\(op): expected a floating-point input, got \(x.dtype) with shape \(x.shape)")
    }
  }

  /// Output sizes and windows of a max or average pooling (PyTorch's `pooling_output_shape`).
  static func poolPlan(op: String, _ x: Tensor, kernelSize k: Size2, stride s: Size2, padding p: Size2, dilation d: Size2,
                       ceilMode: Bool, countIncludePad: Bool, maxPool: Bool) -> PoolPlan {
    requirePoolInput(op: op, x)
    guard k.h > 0, k.w > 0, s.h > 0, s.w > 0, d.h > 0, d.w > 0, p.h >= 0, p.w >= 0 else {
      fatalError("\(op): kernel \(k), stride \(s) and dilation \(d) must be positive and padding \(p) non-negative")
    }
    guard p.h <= k.h / 2, p.w <= k.w / 2 else {
      fatalError("\(op): padding \(p) must be at most half the kernel \(k) (input \(x.shape))")
    }
    let h = x.shape[2], w = x.shape[3]
    func size(_ n: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> Int {
      let span = n + 2 * p - d * (k - 1) - 1
      guard span >= 0 else { return 0 }
      var out = (span + (ceilMode ? s - 1 : 0)) / s + 1
      if ceilMode && (out - 1) * s >= n + p { out -= 1 }   // the last window must start inside
      return out
    }
    let oh = size(h, k.h, s.h, p.h, d.h), ow = size(w, k.w, s.w, p.w, d.w)
    guard oh > 0, ow > 0 else {
      fatalError("\(op): kernel \(k) (dilation \(d)) is larger than the padded input \(h + 2 * p.h)×\(w + 2 * p.w) (input \(x.shape), padding \(p))")
    }
    let rows = PoolPlan.axis(size: h, count: oh, kernel: k.h, stride: s.h, padding: p.h, dilation: d.h, includePad: countIncludePad)
    let cols = PoolPlan.axis(size: w, count: ow, kernel: k.w, stride: s.w, padding: p.w, dilation: d.w, includePad: countIncludePad)
    return PoolPlan(h: h, w: w, oh: oh, ow: ow, rowStart: rows.start, rowEnd: rows.end, rowStep: d.h,
                    colStart: cols.start, colEnd: cols.end, colStep: d.w, rowDivisor: rows.divisor, colDivisor: cols.divisor,
                    sliding: SlidingColumns(stride: s.w, offset: -p.w, taps: k.w))
  }

  static func adaptivePlan(op: String, _ x: Tensor, _ size: Size2) -> PoolPlan {
    requirePoolInput(op: op, x)
    guard size.h > 0, size.w > 0, x.shape[2] > 0, x.shape[3] > 0 else {
      fatalError("\(op): output size \(size) and input \(x.shape) must be non-empty")
    }
    let rows = PoolPlan.adaptiveAxis(size: x.shape[2], count: size.h), cols = PoolPlan.adaptiveAxis(size: x.shape[3], count: size.w)
    return PoolPlan(h: x.shape[2], w: x.shape[3], oh: size.h, ow: size.w, rowStart: rows.start, rowEnd: rows.end, rowStep: 1,
                    colStart: cols.start, colEnd: cols.end, colStep: 1, rowDivisor: rows.divisor, colDivisor: cols.divisor)
  }

  /// k when `picks` (the input index each output index copies) is 0,…,0, 1,…,1, … with each
  /// index repeated k times, covering the whole input; else nil.
  static func blockFactor(_ picks: [Int], input: Int) -> Int? {
    guard input > 0, picks.count % input == 0 else { return nil }
    let k = picks.count / input
    return picks.enumerated().allSatisfy { $1 == $0 / k } ? k : nil
  }

  /// Nearest-neighbour upsampling of `[N, C, H, W]` by an integer factor k: each pixel becomes a
  /// k×k block. It is the adjoint of k×k sum pooling (average pooling with divisor 1), so its
  /// gradient sums each block and the gradient of that spreads again.
  static func upsampledNearest(_ x: Tensor, factor k: Int) -> Tensor {
    let h = x.shape[2], w = x.shape[3]
    let rows = PoolPlan.axis(size: h * k, count: h, kernel: k, stride: k, padding: 0, dilation: 1, includePad: true)
    let cols = PoolPlan.axis(size: w * k, count: w, kernel: k, stride: k, padding: 0, dilation: 1, includePad: true)
    let plan = PoolPlan(h: h * k, w: w * k, oh: h, ow: w, rowStart: rows.start, rowEnd: rows.end, rowStep: 1,
                        colStart: cols.start, colEnd: cols.end, colStep: 1, rowDivisor: rows.divisor,
                        colDivisor: cols.divisor, divisorOverride: 1)
    return avgPoolAdjoint(x, plan, inputShape: [x.shape[0], x.shape[1], h * k, w * k])
  }

  /// Average pooling by `plan`; its backward is the adjoint below, whose backward is this again.
  static func avgPooled(_ x: Tensor, _ plan: PoolPlan) -> Tensor {
    let xc = x.contiguous().widened(), planes = x.shape[0] * x.shape[1]  // half formats: in float32
    let out = Tensor(uninitialized: [x.shape[0], x.shape[1], plan.oh, plan.ow], dtype: xc.dtype)
    if xc.dtype == .float32 {
      Pool.average(xc.base(Float.self), planes: planes, plan, out: out.base(Float.self))
    } else {
      Pool.average(xc.base(Double.self), planes: planes, plan, out: out.base(Double.self))
    }
    return out.narrowed(to: x.dtype).recorded("AvgPool2DBackward", inputs: [x]) { g in [Tensor.avgPoolAdjoint(g, plan, inputShape: x.shape)] }
  }

  static func avgPoolAdjoint(_ g: Tensor, _ plan: PoolPlan, inputShape: [Int]) -> Tensor {
    let gc = g.contiguous().widened(), planes = inputShape[0] * inputShape[1]
    let out = Tensor(uninitialized: inputShape, dtype: gc.dtype)
    if gc.dtype == .float32 {
      Pool.averageAdjoint(gc.base(Float.self), planes: planes, plan, dx: out.base(Float.self))
    } else {
      Pool.averageAdjoint(gc.base(Double.self), planes: planes, plan, dx: out.base(Double.self))
    }
    return out.narrowed(to: g.dtype).recorded("AvgPool2DBackwardBackward", inputs: [g]) { u in [Tensor.avgPooled(u, plan)] }
  }

  /// Max pooling by `plan`: values (differentiable) and indices.
  static func maxPooled(_ x: Tensor, _ plan: PoolPlan, op: String) -> (values: Tensor, indices: Tensor) {
    let xc = x.contiguous().widened(), planes = x.shape[0] * x.shape[1]
    let shape = [x.shape[0], x.shape[1], plan.oh, plan.ow]
    let wide = Tensor(uninitialized: shape, dtype: xc.dtype)
    let indices = Tensor(uninitialized: shape, dtype: .int64)
    if xc.dtype == .float32 {
      Pool.max(xc.base(Float.self), planes: planes, plan, out: wide.base(Float.self), indices: indices.base(Int64.self))
    } else {
      Pool.max(xc.base(Double.self), planes: planes, plan, out: wide.base(Double.self), indices: indices.base(Int64.self))
    }
    let out = wide.narrowed(to: x.dtype)
    let values = out.recorded("MaxPool2DWithIndicesBackward", inputs: [x], saving: [indices]) { g in
      [Tensor.planeScatter(g, indices, shape: x.shape, accumulate: true, op: op)]
    }
    return (values, indices)
  }

  /// `out[n, c].flat[indices[n, c, i]] (+)= src[n, c].flat[i]` into zeros of `shape`. Its
  /// gradient picks the same positions back out (`planeGather`).
  static func planeScatter(_ src: Tensor, _ indices: Tensor, shape: [Int], accumulate: Bool, op: String) -> Tensor {
    let sc = src.contiguous().widened(), ic = indices.contiguous()
    let planes = Layout.count(Array(shape.dropLast(2))), size = shape[shape.count - 2] * shape[shape.count - 1]
    let count = planes == 0 ? 0 : src.count / planes
    let out = Tensor(uninitialized: shape, dtype: sc.dtype)
    if sc.dtype == .float32 {
      Pool.scatter(sc.base(Float.self), ic.base(Int64.self), planes: planes, count: count, size: size,
                   accumulate: accumulate, into: out.base(Float.self), op: op)
    } else {
      Pool.scatter(sc.base(Double.self), ic.base(Int64.self), planes: planes, count: count, size: size,
                   accumulate: accumulate, into: out.base(Double.self), op: op)
    }
    return out.narrowed(to: src.dtype).recorded(accumulate ? "MaxPool2DBackwardScatter" : "MaxUnpool2DBackward", inputs: [src], saving: [indices]) { g in
      [Tensor.planeGather(g, indices, op: op)]
    }
  }

  /// `out[n, c, i] = src[n, c].flat[indices[n, c, i]]`, shaped like `indices`.
  static func planeGather(_ src: Tensor, _ indices: Tensor, op: String) -> Tensor {
    let sc = src.contiguous().widened(), ic = indices.contiguous()
    let planes = Layout.count(Array(src.shape.dropLast(2))), size = src.shape[src.rank - 2] * src.shape[src.rank - 1]
    let count = planes == 0 ? 0 : indices.count / planes
    let out = Tensor(uninitialized: indices.shape, dtype: sc.dtype)
    if sc.dtype == .float32 {
      Pool.gather(sc.base(Float.self), ic.base(Int64.self), planes: planes, count: count, size: size, into: out.base(Float.self), op: op)
    } else {
      Pool.gather(sc.base(Double.self), ic.base(Int64.self), planes: planes, count: count, size: size, into: out.base(Double.self), op: op)
    }
    return out.narrowed(to: src.dtype).recorded("GatherPlanesBackward", inputs: [src], saving: [indices]) { g in
      [Tensor.planeScatter(g, indices, shape: src.shape, accumulate: true, op: op)]
    }
  }
}
