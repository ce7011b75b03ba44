import ChapterKit
import Foundation
import Torchlight
import TorchlightNN
import TorchlightPlot

/// The running sums of `terms` copies of 0.1 in one format, three ways, every operation done by
/// the engine on tensors of that dtype (each op computes in float32 and rounds once on store).
struct RunningSums {
  let format: FloatFormat
  /// 0.1 as the format holds it.
  let term: Double
  /// Sums after every step: the accumulator in the format; Kahan's compensated sum in the format;
  /// the same terms added into a float32 accumulator.
  var naive: [Double] = [], kahan: [Double] = [], float32Accumulator: [Double] = []
  /// `Tensor.sum()` over all the terms at once (the engine's reductions accumulate in float32).
  let reduction: Double

  init(_ format: FloatFormat, terms: Int) {
    self.format = format
    let dtype = format.dtype
    let x = Tensor.full([], 0.1, dtype: dtype)
    term = x.item()
    var s = Tensor.zeros([], dtype: dtype)                                 // naive: s ← s + x
    var k = Tensor.zeros([], dtype: dtype), c = Tensor.zeros([], dtype: dtype)  // Kahan: the sum and what it lost
    var wide = Tensor.zeros([], dtype: .float32)                           // a float32 accumulator
    let xWide = x.to(.float32)
    for _ in 0..<terms {
      s = s + x
      let y = x - c            // the term, corrected by what the last addition dropped
      let t = k + y            // big + small: the low bits of y are lost here …
      c = (t - k) - y          // … and recovered: (t − k) is what was really added
      k = t
      wide = wide + xWide
      naive.append(s.item()); kahan.append(k.item()); float32Accumulator.append(wide.item())
    }
    reduction = Tensor.full([terms], 0.1, dtype: dtype).sum().item()
  }
}

/// Part `arithmetic`: a long sum that stalls, overflow at the top of float16's range, and a
/// softmax that overflows unless the largest logit is subtracted first.
func runArithmeticPart(_ plotter: Plotter, terms: Int) throws {
  section("Adding 0.1 \(terms.formatted()) times (exact: \(formatValue(Double(terms) / 10)))")
  let sums = FloatFormat.allCases.map { RunningSums($0, terms: terms) }
  print("  format     0.1 is stored as      naive sum   Kahan sum    float32 accumulator   Tensor.sum()   naive stalls at")
  for r in sums {
    let stall = stallPoint(r.naive)
    print("  " + [r.format.rawValue.padded(10), formatValue(r.term).padded(21), formatValue(r.naive.last!).padded(11),
                  formatValue(r.kahan.last!).padded(12), formatValue(r.float32Accumulator.last!).padded(21),
                  formatValue(r.reduction).padded(14), stall.map { "\(formatValue($0.value)) (step \($0.step))" } ?? "never"]
      .joined(separator: " "))
  }
  print("  (the naive sum stops growing once half the spacing ulp(s)/2 exceeds the term: each s + 0.1 rounds back to s)")

  // The error of each running sum against the exact k/10 at about a thousand steps, one panel per
  // format. The steps are k = 7, 17, 27, …: at multiples of 10 the exact sum is an integer, which
  // every format holds, and the error would often be exactly 0.
  let every = max(1, terms / 1000)
  let steps = stride(from: min(7, every), through: terms, by: every).map { $0 }
  let panels = sums.map { r in
    let error = { (v: [Double]) in steps.map { Swift.abs(v[$0 - 1] - Double($0) / 10) } }
    return LinePlot(title: r.format.rawValue, xLabel: "terms added", yLabel: "|sum − k/10|",
                    series: [Series("naive", x: steps.map(Double.init), y: error(r.naive), color: 0),
                             Series("Kahan", x: steps.map(Double.init), y: error(r.kahan), color: 1),
                             Series("float32 accumulator", x: steps.map(Double.init), y: error(r.float32Accumulator), style: .dashed, color: 2)],
                    logY: true)
  }
  try plotter.save(PlotGrid(title: "Error of the running sum of 0.1 (a missing point is an error of exactly 0)", panels: panels, sharedY: true),
                   name: "sum-error", width: 1200, height: 450)

  section("Overflow: float16 ends at 65,504")
  let big = [60000, 65504, 65519, 65520, 70000, 1e5, 3.4e38, 1e39]
  print("  x              " + FloatFormat.allCases.map { $0.rawValue.padded(14) }.joined(separator: " "))
  for x in big {
    print("  " + formatValue(x).padded(14) + " "
          + FloatFormat.allCases.map { formatValue(Tensor([x], shape: [1], dtype: .float64).to($0.dtype).toDoubles()[0]).padded(14) }.joined(separator: " "))
  }
  let products = FloatFormat.allCases.map { f in (f, (Tensor.full([], 300, dtype: f.dtype) * Tensor.full([], 300, dtype: f.dtype)).item()) }
  print("  300 × 300 = " + products.map { "\(formatValue($0.1)) in \($0.0.rawValue)" }.joined(separator: ", "))
  let tiny = FloatFormat.allCases.map { f in (f, Tensor.full([], 1e-8, dtype: f.dtype).item()) }
  print("  1e-8 is stored as " + tiny.map { "\(formatValue($0.1)) in \($0.0.rawValue)" }.joined(separator: ", "))

  section("Softmax: exp overflows first")
  for f in FloatFormat.allCases {
    print("  \(f.rawValue): exp(x) overflows for x > ln(largest) = \(String(format: "%.2f", log(f.largest)))")
  }
  var softmaxRows: [(FloatFormat, [Double], naive: [Double], stable: [Double])] = []
  for (f, logits) in [(FloatFormat.float32, [3.0, 7, 12]), (.float16, [3, 7, 12]), (.bfloat16, [3, 7, 12]),
                      (.float32, [30, 70, 120]), (.bfloat16, [30, 70, 120])] {
    let x = Tensor(logits, shape: [3], dtype: .float64).to(f.dtype)
    softmaxRows.append((f, logits, naiveSoftmax(x).toDoubles(), stableSoftmax(x).toDoubles()))
  }
  print("  format     logits           naive exp(x)/Σexp(x)             exp(x − max)/Σexp(x − max)")
  for (f, logits, naive, stable) in softmaxRows {
    let list = { (v: [Double]) in "[" + v.map { formatValue($0) }.joined(separator: ", ") + "]" }
    print("  " + f.rawValue.padded(10) + " " + list(logits).padded(16) + " " + list(naive).padded(32) + " " + list(stable))
  }
  let engine = softmax(Tensor([3.0, 7, 12], shape: [3], dtype: .float64).to(.float16), axis: 0).toDoubles()
  print("  TorchlightNN's softmax on the float16 logits [3, 7, 12]: [\(engine.map { formatValue($0) }.joined(separator: ", "))] (it subtracts the max, in float32)")

  for r in sums {
    let f16Softmax = softmaxRows.first { $0.0 == r.format && $0.1 == [3, 7, 12] }!
    printResult(chapter: Defaults.chapter, model: r.format.rawValue,
                ["naive_sum": r.naive.last!, "kahan_sum": r.kahan.last!, "fp32_acc_sum": r.float32Accumulator.last!,
                 "tensor_sum": r.reduction, "product_300x300": products.first { $0.0 == r.format }!.1,
                 "naive_stall": stallPoint(r.naive)?.value ?? .nan],
                extra: ["part": "arithmetic", "terms": "\(terms)", "softmax_naive_nan": "\(f16Softmax.naive.filter(\.isNaN).count)"])
  }
}

/// The first step after which the running sum never changes again, if it stops before the end.
func stallPoint(_ values: [Double]) -> (step: Int, value: Double)? {
  guard let last = values.last, values.count >= 2, values[values.count - 2] == last else { return nil }
  let i = (values.lastIndex { $0 != last } ?? -1) + 1
  return (i + 1, last)
}

/// exp(x)/Σ exp(x), op by op in x's dtype: exp of a large logit overflows the format to ∞, and ∞/∞ is NaN.
func naiveSoftmax(_ x: Tensor) -> Tensor {
  let e = x.exp()
  return e / e.sum()
}

/// The same after subtracting the largest logit (softmax does not change when every logit moves
/// by the same amount): every exp is then at most 1, and one of them is exactly 1.
func stableSoftmax(_ x: Tensor) -> Tensor {
  let e = (x - x.max()).exp()
  return e / e.sum()
}
