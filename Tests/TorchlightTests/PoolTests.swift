import Foundation
import Testing
@testable import Torchlight

/// Pooling by definition: every output element scans its window in the padded input, with
/// PyTorch's output-size formula and its divisor rules.
func referencePool(_ x: Tensor, kernel k: Size2, stride s: Size2, padding p: Size2, dilation d: Size2 = 1,
                   ceilMode: Bool = false, max: Bool, countIncludePad: Bool = true) -> (Tensor, [Int64]) {
  let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
  func size(_ len: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> Int {
    let span = Double(len + 2 * p - d * (k - 1) - 1) / Double(s)
    var out = Int(ceilMode ? span.rounded(.up) : span.rounded(.down)) + 1
    if ceilMode && (out - 1) * s >= len + p { out -= 1 }
    return out
  }
  let oh = size(h, k.h, s.h, p.h, d.h), ow = size(w, k.w, s.w, p.w, d.w)
  let xs = x.contiguous().toDoubles()
  var out: [Double] = [], idx: [Int64] = []
  for plane in 0..<(n * c) { for i in 0..<oh { for j in 0..<ow {
    var best = -Double.infinity, at = -1, sum = 0.0, real = 0, padded = 0
    for a in 0..<k.h { for b in 0..<k.w {
      let y = i * s.h - p.h + a * d.h, z = j * s.w - p.w + b * d.w
      if y < h + p.h && z < w + p.w { padded += 1 }
      guard y >= 0, y < h, z >= 0, z < w else { continue }
      let v = xs[plane * h * w + y * w + z]
      real += 1; sum += v
      if v > best || at < 0 { best = v; at = y * w + z }
    } }
    if max { out.append(best); idx.append(Int64(at)) } else {
      let hEnd = Swift.min(i * s.h - p.h + k.h, h + p.h), wEnd = Swift.min(j * s.w - p.w + k.w, w + p.w)
      let included = (hEnd - (i * s.h - p.h)) * (wEnd - (j * s.w - p.w))
      out.append(sum / Double(countIncludePad ? included : real))
      _ = padded
    }
  } } }
  return (Tensor(out, shape: [n, c, oh, ow], dtype: .float64), idx)
}

@Suite struct PoolTests {
  struct PoolCase: Sendable, CustomTestStringConvertible {
    var name: String, input: [Int], kernel: Size2, stride: Size2, padding: Size2 = 0, dilation: Size2 = 1, ceil = false
    var testDescription: String { name }
  }
  static let cases: [PoolCase] = [
    PoolCase(name: "2×2 tiles", input: [2, 3, 6, 8], kernel: 2, stride: 2),
    PoolCase(name: "3×3 stride 2 overlapping", input: [1, 2, 7, 7], kernel: 3, stride: 2),
    PoolCase(name: "padding 1", input: [1, 2, 5, 6], kernel: 3, stride: 2, padding: 1),
    PoolCase(name: "non-square, ceil mode", input: [2, 1, 7, 5], kernel: [3, 2], stride: [2, 2], padding: [1, 0], ceil: true),
    PoolCase(name: "dilation 2", input: [1, 2, 7, 7], kernel: 2, stride: 1, dilation: 2),
    PoolCase(name: "3×3 stride 1 padding 1 (inception)", input: [2, 3, 7, 9], kernel: 3, stride: 1, padding: 1),
    PoolCase(name: "dilated columns, padding, stride 3, ceil", input: [1, 2, 9, 11], kernel: [3, 5], stride: [2, 3],
             padding: [1, 2], dilation: [1, 2], ceil: true),
  ]

  @Test(arguments: cases) func maxPoolMatchesTheDefinition(_ c: PoolCase) {
    let x = Tensor.randn(c.input, dtype: .float64, generator: Generator(seed: 1))
    let (y, i) = maxPool2dWithIndices(x, kernelSize: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, ceilMode: c.ceil)
    let (ref, refIdx) = referencePool(x, kernel: c.kernel, stride: c.stride, padding: c.padding, dilation: c.dilation, ceilMode: c.ceil, max: true)
    #expect(y.shape == ref.shape)
    #expect(maxDifference(y, ref) == 0)
    #expect(i.toArray(Int64.self) == refIdx)
    #expect(i.dtype == .int64)
  }

  @Test(arguments: cases.filter { $0.dilation == 1 }) func avgPoolMatchesTheDefinition(_ c: PoolCase) {
    let x = Tensor.randn(c.input, dtype: .float64, generator: Generator(seed: 2))
    for include in [true, false] {
      let y = avgPool2d(x, kernelSize: c.kernel, stride: c.stride, padding: c.padding, ceilMode: c.ceil, countIncludePad: include)
      let (ref, _) = referencePool(x, kernel: c.kernel, stride: c.stride, padding: c.padding, ceilMode: c.ceil, max: false,
                                   countIncludePad: include)
      #expect(y.shape == ref.shape)
      #expect(maxDifference(y, ref) < 1e-12, "countIncludePad \(include)")
    }
  }

  @Test func countIncludePadChangesOnlyTheBorder() {
    let x = Tensor.ones([1, 1, 3, 3])
    let with = avgPool2d(x, kernelSize: 3, stride: 1, padding: 1)
    let without = avgPool2d(x, kernelSize: 3, stride: 1, padding: 1, countIncludePad: false)
    #expect(Swift.abs(with.element(at: [0, 0, 0, 0]) - 4.0 / 9) < 1e-7)   // 4 real ones of 9 taps
    #expect(with.element(at: [0, 0, 1, 1]) == 1)
    #expect(without.toDoubles().allSatisfy { Swift.abs($0 - 1) < 1e-7 })
    #expect(avgPool2d(x, kernelSize: 3, stride: 1, padding: 1, divisorOverride: 2).element(at: [0, 0, 1, 1]) == 4.5)
  }

  @Test func maxPoolTiesGoToTheFirstElement() {
    // Every window is constant: the maximum is the window's first element in row-major order.
    let x = Tensor([[[[1.0, 1, 2, 2], [1, 1, 2, 2], [5, 5, 5, 5], [5, 5, 5, 5]]]]).requiringGrad()
    let (y, i) = maxPool2dWithIndices(x, kernelSize: 2)
    #expect(i.toArray(Int64.self) == [0, 2, 8, 10])
    y.sum().backward()
    #expect(x.grad!.toDoubles() == [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0])
    // Overlapping windows that share a maximum send it the gradient of each.
    let z = Tensor([[[[0.0, 9, 0]]]]).requiringGrad()
    maxPool2d(z, kernelSize: [1, 2], stride: 1).sum().backward()
    #expect(z.grad!.toDoubles() == [0, 2, 0])
    // NaN propagates, as in PyTorch.
    #expect(maxPool2d(Tensor([[[[1.0, .nan], [3, 0]]]]), kernelSize: 2).item().isNaN)
  }

  @Test func adaptivePoolsMatchTheirWindows() {
    let x = Tensor.randn([2, 3, 7, 5], dtype: .float64, generator: Generator(seed: 3))
    let xs = x.toDoubles()
    let (oh, ow) = (3, 4)
    let avg = adaptiveAvgPool2d(x, outputSize: [oh, ow]), (mx, mi) = adaptiveMaxPool2dWithIndices(x, outputSize: [oh, ow])
    #expect(avg.shape == [2, 3, 3, 4] && mx.shape == [2, 3, 3, 4])
    for plane in 0..<6 { for i in 0..<oh { for j in 0..<ow {
      let r0 = i * 7 / oh, r1 = ((i + 1) * 7 + oh - 1) / oh, c0 = j * 5 / ow, c1 = ((j + 1) * 5 + ow - 1) / ow
      var window: [Double] = []
      for r in r0..<r1 { for c in c0..<c1 { window.append(xs[plane * 35 + r * 5 + c]) } }
      let at = [plane / 3, plane % 3, i, j]
      #expect(Swift.abs(avg.element(at: at) - window.reduce(0, +) / Double(window.count)) < 1e-12)
      #expect(mx.element(at: at) == window.max()!)
      #expect(xs[plane * 35 + Int(mi.element(at: at))] == window.max()!)
    } } }
    // Output 1 is global average pooling.
    #expect(maxDifference(adaptiveAvgPool2d(x, outputSize: 1), x.mean(axes: [2, 3], keepDims: true)) < 1e-12)
  }

  @Test func maxUnpoolPutsValuesBack() {
    // Positive values, so the zeros unpooling leaves around each maximum never win a re-pooling.
    let x = Tensor.randn([1, 2, 4, 5], generator: Generator(seed: 4)).abs() + 0.1
    let (y, i) = maxPool2dWithIndices(x, kernelSize: 2)
    let u = maxUnpool2d(y, indices: i, kernelSize: 2, outputSize: [4, 5])
    #expect(u.shape == [1, 2, 4, 5])
    // Without outputSize the size is (2 − 1)·2 + 2 = 4 per axis, right for a 4×4 input.
    let (y4, i4) = maxPool2dWithIndices(x.narrow(axis: 3, start: 0, length: 4).contiguous(), kernelSize: 2)
    #expect(maxUnpool2d(y4, indices: i4, kernelSize: 2).shape == [1, 2, 4, 4])
    // Each maximum is back at its place, and re-pooling gives the same maxima.
    #expect(maxDifference(maxPool2d(u, kernelSize: 2), y) == 0)
    #expect(u.toDoubles().filter { $0 != 0 }.count == y.count)
  }

  @Test func interpolateNearestAndBilinear() {
    let x = Tensor([[[[1.0, 2], [3, 4]]]])
    #expect(interpolate(x, scaleFactor: 2).toDoubles() == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    #expect(interpolate(x, size: [3, 1]).toDoubles() == [1, 1, 3])
    // align_corners=True: corners map onto corners, the middle is the average.
    let a = interpolate(x, size: 3, mode: .bilinear, alignCorners: true).toDoubles()
    #expect(zip(a, [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    // align_corners=False (PyTorch's values for this input): 1, 1.25, 1.75, 2 along the first row.
    let b = interpolate(x, scaleFactor: 2, mode: .bilinear).toDoubles()
    #expect(zip(b.prefix(4), [1, 1.25, 1.75, 2]).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    #expect(zip(b.suffix(4), [3, 3.25, 3.75, 4]).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
  }

  @Test func nearestUpsamplingByWholeFactorsMatchesRowAndColumnPicks() {
    // The block-copy path against its definition: pick rows, then columns, by index.
    for (k, seed) in [(2, UInt64(21)), (3, 22)] {
      let x = gradLeaf([2, 3, 4, 5], .transposed, seed: seed)
      let fast = interpolate(x, scaleFactor: Double(k))
      let picks = { (n: Int) in Tensor((0..<(n * k)).map { Double($0 / k) }, dtype: .int64) }
      let definition = x.indexSelect(axis: -2, index: picks(4)).indexSelect(axis: -1, index: picks(5))
      #expect(fast.shape == [2, 3, 4 * k, 5 * k])
      #expect((fast - definition).abs().max().item() == 0)
      let probe = Tensor.randn(fast.shape, dtype: .float64, generator: Generator(seed: seed + 10))
      let a = grad(of: (fast * probe).sum(), with: [x])[0]!, b = grad(of: (definition * probe).sum(), with: [x])[0]!
      #expect((a - b).abs().max().item() < 1e-12)
    }
    // First and second order on strided, broadcast and unbatched inputs.
    let x = { (seed: UInt64) in gradLeaf([1, 2, 3, 4], .transposed, seed: seed) }
    expectGradients({ interpolate($0[0], scaleFactor: 2) }, [x(23)], secondOrder: true)
    expectGradients({ interpolate($0[0], size: [9, 12]) }, [x(24)], secondOrder: true)
    expectGradients({ interpolate($0[0].expanded(3, 2, 3, 4), scaleFactor: 2) }, [x(25)], secondOrder: true)
    expectGradients({ interpolate($0[0], scaleFactor: 2) }, [gradLeaf([2, 3, 3], .contiguous, seed: 26)], secondOrder: true)
  }

  @Test func padAddsAndCrops() {
    let x = Tensor([[1.0, 2], [3, 4]])
    #expect(pad(x, [1, 0, 0, 1]).toDoubles() == [0, 1, 2, 0, 3, 4, 0, 0, 0])
    #expect(pad(x, [1, 1], value: 9).toDoubles() == [9, 1, 2, 9, 9, 3, 4, 9])
    #expect(pad(x, [-1, 0, 0, -1]).toDoubles() == [2])
    #expect(zeroPad2d(Tensor.ones([1, 1, 2, 2]), padding: [1, 1, 2, 0]).shape == [1, 1, 4, 4])
  }

  @Test func gradientsCheck() {
    let x = { (seed: UInt64) in gradLeaf([1, 2, 5, 6], .transposed, seed: seed) }
    expectGradients({ maxPool2d($0[0], kernelSize: 3, stride: 2, padding: 1) }, [x(1)])
    expectGradients({ maxPool2d($0[0], kernelSize: [2, 3], stride: 1, dilation: [2, 1], ceilMode: true) }, [x(2)])
    expectGradients({ avgPool2d($0[0], kernelSize: 3, stride: 2, padding: 1, ceilMode: true) }, [x(3)], secondOrder: true)
    expectGradients({ avgPool2d($0[0], kernelSize: [2, 3], stride: [1, 2], padding: [1, 1], countIncludePad: false) }, [x(4)])
    expectGradients({ adaptiveAvgPool2d($0[0], outputSize: [3, 4]) }, [x(5)], secondOrder: true)
    expectGradients({ adaptiveMaxPool2d($0[0], outputSize: [2, 4]) }, [x(6)])
    expectGradients({ interpolate($0[0], scaleFactor: 2) }, [x(7)])
    expectGradients({ interpolate($0[0], size: [7, 4], mode: .bilinear) }, [x(8)], secondOrder: true)
    expectGradients({ interpolate($0[0], size: [3, 9], mode: .bilinear, alignCorners: true) }, [x(9)])
    expectGradients({ pad($0[0], [1, -1, 2, 0], value: 0.5) }, [x(10)], secondOrder: true)
    // Unpooling: the gradient is picked back out at the indices; second order through max pooling.
    let (_, i) = maxPool2dWithIndices(x(11), kernelSize: 2)
    expectGradients({ maxUnpool2d($0[0], indices: i, kernelSize: 2, outputSize: [5, 6]) }, [gradLeaf([1, 2, 2, 3], .contiguous, seed: 12)],
                    secondOrder: true)
    expectGradients({ maxPool2d($0[0].pow(2), kernelSize: 2) }, [x(13)], secondOrder: true)
  }

  @Test func unbatchedImagesWork() {
    let x = Tensor.randn([2, 4, 4], generator: Generator(seed: 5))
    #expect(maxPool2d(x, kernelSize: 2).shape == [2, 2, 2])
    #expect(maxDifference(avgPool2d(x, kernelSize: 2), avgPool2d(x.unsqueezed(axis: 0), kernelSize: 2).squeezed(axis: 0)) == 0)
  }

  @Test func poolKernelLargerThanTheInputStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = maxPool2d(Tensor.zeros([1, 1, 3, 3]), kernelSize: 6, padding: 1)
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("maxPool2d: kernel 6"))
    #expect(text.contains("[1, 1, 3, 3]"))
  }
}
