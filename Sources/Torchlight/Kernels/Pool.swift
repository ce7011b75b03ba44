/// The windows of a 2-D pooling, axis by axis: output row `i` reads input rows
/// `rowStart[i], rowStart[i] + rowStep, …` up to (not including) `rowEnd[i]`, already clipped to
/// the image; the same for columns. Plain, padded, dilated and adaptive pooling all reduce to
/// this, so one kernel per reduction serves them all.
struct PoolPlan: Equatable, Sendable {
  var h, w, oh, ow: Int
  var rowStart: [Int], rowEnd: [Int], rowStep: Int
  var colStart: [Int], colEnd: [Int], colStep: Int
  /// Average pooling divides output (i, j) by `rowDivisor[i] · colDivisor[j]`.
  var rowDivisor: [Int] = [], colDivisor: [Int] = []
  /// Replaces the divisor when set (`divisor_override`).
  var divisorOverride: Int? = nil
  /// For sliding (not adaptive) windows: output column `j` has taps at columns
  /// `j·stride + offset + t·colStep` for `t < taps`, those inside the image. Lets max pooling
  /// run tap by tap over a whole output row, a loop the compiler vectorises.
  var sliding: SlidingColumns? = nil

  /// Windows of `kernel` taps `dilation` apart, every `stride`, on an axis of `size` padded by
  /// `padding` on both sides; `count` windows. The divisor counts padding taps when `includePad`
  /// (but never the part of a ceil-mode window that hangs past the padding), as PyTorch does.
  static func axis(size: Int, count: Int, kernel: Int, stride: Int, padding: Int, dilation: Int,
                   includePad: Bool) -> (start: [Int], end: [Int], divisor: [Int]) {
    var start: [Int] = [], end: [Int] = [], divisor: [Int] = []
    for i in 0..<count {
      let first = i * stride - padding
      var s = first
      while s < 0 { s += dilation }
      let e = Swift.min(first + (kernel - 1) * dilation + 1, size)
      start.append(s)
      end.append(Swift.max(e, s))
      let padded = Swift.min(first + kernel, size + padding) - first   // avg pooling has dilation 1
      divisor.append(includePad ? padded : Swift.max(e - s, 0))
    }
    return (start, end, divisor)
  }

  /// Adaptive windows: output i covers `⌊i·size/count⌋ ..< ⌈(i+1)·size/count⌉`.
  static func adaptiveAxis(size: Int, count: Int) -> (start: [Int], end: [Int], divisor: [Int]) {
    let start = (0..<count).map { $0 * size / count }
    let end = (0..<count).map { (($0 + 1) * size + count - 1) / count }
    return (start, end, zip(start, end).map { $1 - $0 })
  }
}

/// Columns of sliding windows (see `PoolPlan.sliding`).
struct SlidingColumns: Equatable, Sendable {
  var stride, offset, taps: Int

  /// The output columns whose tap `t` lands inside an image `width` wide (`colStep` apart).
  func outputs(tap t: Int, colStep: Int, width: Int, count: Int) -> Range<Int> {
    let first = offset + t * colStep                        // column of tap t for output 0
    let lo = first >= 0 ? 0 : (-first + stride - 1) / stride
    let hi = first > width - 1 ? 0 : Swift.min(count, (width - 1 - first) / stride + 1)
    return lo < hi ? lo..<hi : lo..<lo
  }
}

/// Pooling kernels over raw buffers of `planes` contiguous `h × w` images. Each output element
/// loops over its window directly; no generic strided iteration. Planes are split across threads
/// when there are enough of them.
enum Pool {
  /// Input elements below which pooling stays on one thread.
  static let parallelElements = 1 << 16

  @inline(__always)
  static func overPlanes(_ planes: Int, elements: Int, _ body: (Int, Int) -> Void) {
    Threads.splitRange(planes, parallel: elements >= parallelElements, body)
  }

  /// Maximum of each window and where it is (index into the `h·w` plane). The first maximum in
  /// row-major window order wins ties; a NaN wins over everything (PyTorch's rule).
  static func max<T: FloatElement>(_ x: UnsafePointer<T>, planes: Int, _ p: PoolPlan,
                                   out: UnsafeMutablePointer<T>, indices: UnsafeMutablePointer<Int64>) {
    nonisolated(unsafe) let x = x, out = out, indices = indices
    let hw = p.h * p.w, ohw = p.oh * p.ow
    if let sliding = p.sliding, !containsNaN(x, count: planes * hw) {
      maxSliding(x, planes: planes, p, sliding, out: out, indices: indices)
      return
    }
    overPlanes(planes, elements: planes * hw) { p0, p1 in
      for plane in p0..<p1 {
        let src = x + plane * hw, dst = out + plane * ohw, idx = indices + plane * ohw
        for i in 0..<p.oh {
          let r0 = p.rowStart[i], r1 = p.rowEnd[i]
          for j in 0..<p.ow {
            let c0 = p.colStart[j], c1 = p.colEnd[j]
            var best = -T.infinity, at = r0 * p.w + c0
            var r = r0
            while r < r1 {
              var c = c0
              while c < c1 {
                // Branch-free (selects, not jumps): after ReLU many windows tie at zero, and a
                // mispredicted branch per tap cost more than the comparisons themselves.
                let k = r * p.w + c, v = src[k]
                let take = (v > best) || (v != v)
                best = take ? v : best
                at = take ? k : at
                c += p.colStep
              }
              r += p.rowStep
            }
            dst[i * p.ow + j] = best
            idx[i * p.ow + j] = Int64(at)
          }
        }
      }
    }
  }

  /// `max` for sliding windows and NaN-free input, one output row at a time: for each tap
  /// (in row-major window order, so the first maximum still wins ties), compare it with the
  /// running maxima of every output column it reaches. The inner loop is compare-and-select
  /// with no branches, which the compiler vectorises.
  static func maxSliding<T: FloatElement>(_ x: UnsafePointer<T>, planes: Int, _ p: PoolPlan, _ sliding: SlidingColumns,
                                          out: UnsafeMutablePointer<T>, indices: UnsafeMutablePointer<Int64>) {
    nonisolated(unsafe) let x = x, out = out, indices = indices
    let hw = p.h * p.w, ohw = p.oh * p.ow, ow = p.ow, w = p.w, s = sliding.stride
    let reach = (0..<sliding.taps).map { sliding.outputs(tap: $0, colStep: p.colStep, width: w, count: ow) }
    overPlanes(planes, elements: planes * hw) { p0, p1 in
      // Running maxima of one output row, and where they are (32-bit, so that the selects
      // pair up with the float lanes; planes are far smaller than 2³¹).
      let at = UnsafeMutablePointer<Int32>.allocate(capacity: ow)
      defer { at.deallocate() }
      for plane in p0..<p1 {
        let src = x + plane * hw, dst = out + plane * ohw, idx = indices + plane * ohw
        for i in 0..<p.oh {
          let best = dst + i * ow
          for j in 0..<ow { best[j] = -T.infinity; at[j] = Int32(truncatingIfNeeded: p.rowStart[i] * w + p.colStart[j]) }
          for r in Swift.stride(from: p.rowStart[i], to: p.rowEnd[i], by: p.rowStep) {
            for t in 0..<sliding.taps {
              let base = r &* w &+ sliding.offset &+ t &* p.colStep
              let range = reach[t]
              var j = range.lowerBound
              while j < range.upperBound {
                let k = base &+ j &* s, v = src[k], b = best[j]
                let take = v > b
                best[j] = take ? v : b
                at[j] = take ? Int32(truncatingIfNeeded: k) : at[j]
                j &+= 1
              }
            }
          }
          for j in 0..<ow { idx[i * ow + j] = Int64(at[j]) }
        }
      }
    }
  }

  /// Whether any of `count` values is NaN (one pass, no early exit, so it vectorises).
  static func containsNaN<T: FloatElement>(_ x: UnsafePointer<T>, count: Int) -> Bool {
    var nan = false
    for k in 0..<count { nan = nan || x[k] != x[k] }
    return nan
  }

  /// Mean of each window, with the plan's divisors.
  static func average<T: FloatElement>(_ x: UnsafePointer<T>, planes: Int, _ p: PoolPlan, out: UnsafeMutablePointer<T>) {
    nonisolated(unsafe) let x = x, out = out
    let hw = p.h * p.w, ohw = p.oh * p.ow
    let scale = reciprocals(p, T.self)
    overPlanes(planes, elements: planes * hw) { p0, p1 in
      // 2×2 windows with stride 2 (every LeNet pooling): a fixed, branch-free loop.
      if p.rowStep == 1 && p.colStep == 1 && isTiled2x2(p) {
        for plane in p0..<p1 {
          let src = x + plane * hw, dst = out + plane * ohw
          for i in 0..<p.oh {
            let a = src + 2 * i * p.w, b = a + p.w, d = dst + i * p.ow, s = scale + i * p.ow
            for j in 0..<p.ow { d[j] = (a[2 * j] + a[2 * j + 1] + b[2 * j] + b[2 * j + 1]) * s[j] }
          }
        }
        return
      }
      for plane in p0..<p1 {
        let src = x + plane * hw, dst = out + plane * ohw
        for i in 0..<p.oh {
          for j in 0..<p.ow {
            var sum = T.zero
            for r in Swift.stride(from: p.rowStart[i], to: p.rowEnd[i], by: p.rowStep) {
              let row = src + r * p.w
              for c in Swift.stride(from: p.colStart[j], to: p.colEnd[j], by: p.colStep) { sum += row[c] }
            }
            dst[i * p.ow + j] = sum * scale[i * p.ow + j]
          }
        }
      }
    }
    scale.deallocate()
  }

  /// The adjoint of `average`: every output gradient spread evenly (÷ divisor) over its window,
  /// summed where windows overlap. `dx` is overwritten.
  static func averageAdjoint<T: FloatElement>(_ g: UnsafePointer<T>, planes: Int, _ p: PoolPlan, dx: UnsafeMutablePointer<T>) {
    nonisolated(unsafe) let g = g, dx = dx
    let hw = p.h * p.w, ohw = p.oh * p.ow
    let scale = reciprocals(p, T.self)
    overPlanes(planes, elements: planes * hw) { p0, p1 in
      let tiled = p.rowStep == 1 && p.colStep == 1 && isTiled2x2(p) && p.h == 2 * p.oh && p.w == 2 * p.ow
      for plane in p0..<p1 {
        let src = g + plane * ohw, dst = dx + plane * hw
        if tiled {
          for i in 0..<p.oh {
            let a = dst + 2 * i * p.w, b = a + p.w, gi = src + i * p.ow, s = scale + i * p.ow
            for j in 0..<p.ow {
              let v = gi[j] * s[j]
              a[2 * j] = v; a[2 * j + 1] = v; b[2 * j] = v; b[2 * j + 1] = v
            }
          }
          continue
        }
        dst.update(repeating: 0, count: hw)
        for i in 0..<p.oh {
          for j in 0..<p.ow {
            let v = src[i * p.ow + j] * scale[i * p.ow + j]
            for r in Swift.stride(from: p.rowStart[i], to: p.rowEnd[i], by: p.rowStep) {
              let row = dst + r * p.w
              for c in Swift.stride(from: p.colStart[j], to: p.colEnd[j], by: p.colStep) { row[c] += v }
            }
          }
        }
      }
    }
    scale.deallocate()
  }

  /// `out[plane, indices[plane, i]] (+)= src[plane, i]`: puts each value back at the position its
  /// index names in a zeroed `size`-element plane. With `accumulate`, repeated positions add up
  /// (the gradient of max pooling with overlapping windows); without, the last one stays
  /// (`max_unpool2d`). An index outside the plane stops with a message naming `op`.
  static func scatter<T: FloatElement>(_ src: UnsafePointer<T>, _ indices: UnsafePointer<Int64>, planes: Int, count: Int,
                                       size: Int, accumulate: Bool, into out: UnsafeMutablePointer<T>, op: String) {
    out.update(repeating: 0, count: planes * size)
    for plane in 0..<planes {
      let s = src + plane * count, idx = indices + plane * count, d = out + plane * size
      for i in 0..<count {
        let at = Int(idx[i])
        guard at >= 0 && at < size else {
          fatalError("\(op): index \(at) at position \(i) of plane \(plane) is outside the output plane of \(size) elements; indices must come from the matching max pooling")
        }
        if accumulate { d[at] += s[i] } else { d[at] = s[i] }
      }
    }
  }

  /// `out[plane, i] = src[plane, indices[plane, i]]`: the adjoint of `scatter`.
  static func gather<T: FloatElement>(_ src: UnsafePointer<T>, _ indices: UnsafePointer<Int64>, planes: Int, count: Int,
                                      size: Int, into out: UnsafeMutablePointer<T>, op: String) {
    for plane in 0..<planes {
      let s = src + plane * size, idx = indices + plane * count, d = out + plane * count
      for i in 0..<count {
        let at = Int(idx[i])
        guard at >= 0 && at < size else {
          fatalError("\(op): index \(at) is outside a plane of \(size) elements")
        }
        d[i] = s[at]
      }
    }
  }

  /// True when the windows are exactly the 2×2 tiles at stride 2 (no padding, no overhang).
  static func isTiled2x2(_ p: PoolPlan) -> Bool {
    p.rowStart.enumerated().allSatisfy { $1 == 2 * $0 && p.rowEnd[$0] == 2 * $0 + 2 }
      && p.colStart.enumerated().allSatisfy { $1 == 2 * $0 && p.colEnd[$0] == 2 * $0 + 2 }
  }

  /// 1/divisor for every output position (caller deallocates).
  static func reciprocals<T: FloatElement>(_ p: PoolPlan, _: T.Type) -> UnsafeMutablePointer<T> {
    let r = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(p.oh * p.ow, 1))
    for i in 0..<p.oh {
      for j in 0..<p.ow {
        let d = p.divisorOverride ?? (p.rowDivisor[i] * p.colDivisor[j])
        r[i * p.ow + j] = d == 0 ? 0 : 1 / T(d)
      }
    }
    return r
  }
}
