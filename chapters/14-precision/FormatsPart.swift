import ChapterKit
import Foundation
import Torchlight
import TorchlightPlot

/// Part `formats`: the range and precision of each format, found from its rounding function,
/// and the spacing between neighbouring values across the whole number line.
func runFormatsPart(_ plotter: Plotter) throws {
  section("The number line of float32, float16 and bfloat16 (every number derived from the rounding function)")
  let table = FloatFormat.allCases.map(FormatProperties.init)
  print("  format    bits (s/e/f)  epsilon = ulp(1)      largest finite  smallest normal      smallest subnormal   decimal digits")
  for p in table {
    let bits = "1/\(p.exponentBits)/\(p.fractionBits)"
    print("  " + [p.format.rawValue.padded(9), bits.padded(13), describe(p.epsilon).padded(21), describe(p.largest).padded(15),
                  describe(p.smallestNormal).padded(20), describe(p.smallestSubnormal).padded(20),
                  String(format: "%.2f", p.format.decimalDigits)].joined(separator: " "))
    let layout = p.format.layout
    guard layout.exponent == p.exponentBits, layout.fraction == p.fractionBits else {
      throw ChapterError("\(p.format) derived \(p.exponentBits) exponent and \(p.fractionBits) fraction bits, its layout has \(layout.exponent) and \(layout.fraction): the rounding function is wrong")
    }
  }

  // The engine's casts (`to(_:)`) give the same values as the rounding function.
  let samples = [0.1, 1.0 / 3, 3.14159265, 257, 65504, 65519, 65520, 1e5, 1e-5, 1e-8]
  print("\n  a few values rounded by Tensor.to(dtype):")
  print("  x              " + FloatFormat.allCases.map { $0.rawValue.padded(16) }.joined(separator: " "))
  for x in samples {
    let cells = FloatFormat.allCases.map { f -> String in
      let engine = Tensor([x], shape: [1], dtype: .float64).to(f.dtype).toDoubles()[0]
      let agrees = engine == f.round(x) || (engine.isNaN && f.round(x).isNaN)
      return (formatValue(engine) + (agrees ? "" : " (≠ round!)")).padded(16)
    }
    print("  " + formatValue(x).padded(14) + " " + cells.joined(separator: " "))
  }

  // Spacing against magnitude: 8 points per octave from the smallest subnormal to the largest value.
  var spacing: [Series] = [], relative: [Series] = []
  for (i, p) in table.enumerated() {
    var xs: [Double] = [], ulps: [Double] = []
    var x = p.smallestSubnormal
    while x <= p.largest {
      let r = p.format.round(x)
      let u = p.format.ulp(r)
      if u.isFinite, xs.last != r { xs.append(r); ulps.append(u) }
      x *= pow(2, 0.125)
    }
    spacing.append(Series(p.format.rawValue, x: xs, y: ulps, color: i))
    relative.append(Series(p.format.rawValue, x: xs, y: zip(ulps, xs).map { $0 / $1 }, color: i))
  }
  // The whole line, and a close-up of float16's range, where the three formats differ most.
  let close = spacing.map { s in
    let kept = s.x.indices.filter { s.x[$0] >= 0x1p-27 && s.x[$0] <= 0x1p17 }
    return Series(s.name, x: kept.map { s.x[$0] }, y: kept.map { s.y[$0] }, color: s.color)
  }
  try plotter.save(PlotGrid(title: "Spacing between neighbouring values, ulp(x), against x (log–log)", panels: [
    LinePlot(title: "the whole range", xLabel: "x", yLabel: "ulp(x)", series: spacing, logX: true, logY: true),
    LinePlot(title: "2^-27 to 2^17: float16's range", xLabel: "x", yLabel: "ulp(x)", series: close, logX: true, logY: true)],
                            columns: 2), name: "ulp", width: 1200, height: 500)
  try plotter.save(LinePlot(title: "Relative spacing ulp(x)/x: ε over the normal range, rising through the subnormals",
                            xLabel: "x", yLabel: "ulp(x) / x", series: relative, logX: true, logY: true), name: "relative-spacing")

  for p in table {
    let g = { (v: Double) in "\(v)" }   // the shortest decimal that reads back as exactly v
    printResult(chapter: Defaults.chapter, model: p.format.rawValue,
                extra: ["part": "formats", "epsilon": g(p.epsilon), "max": g(p.largest), "min_normal": g(p.smallestNormal),
                        "min_subnormal": g(p.smallestSubnormal), "fraction_bits": "\(p.fractionBits)"])
  }
}

/// A value with its power of two when it is one: `0.0078125 (2^-7)`.
func describe(_ v: Double) -> String {
  let e = log2(v)
  return e == e.rounded() ? "\(formatValue(v)) (2^\(Int(e)))" : formatValue(v)
}

/// Up to 8 significant digits, in scientific notation when very large or small.
func formatValue(_ v: Double) -> String {
  if v.isNaN { return "nan" }
  if v.isInfinite { return v > 0 ? "inf" : "-inf" }
  if v != 0 && (Swift.abs(v) < 1e-4 || Swift.abs(v) >= 1e7) { return String(format: "%.4e", v) }
  return String(format: "%.8g", v)
}

extension String {
  func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
