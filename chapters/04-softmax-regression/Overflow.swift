import ChapterKit
import TorchlightNN

/// Why the textbook formula exp(o)/Σexp(o) fails on large scores, and the log-sum-exp fix, with
/// numbers.
func showOverflow() {
  let o = Tensor([1000.0, 1001, 1002])
  let e = o.exp()
  print("Softmax as written, exp(o) / Σ exp(o), with scores o = \(values(o)):")
  print("  exp(o) = \(values(e)) → softmax = \(values(e / e.sum()))   (float32 overflows past e^88.7)")
  let shifted = o - o.amax()
  let p = shifted.exp() / shifted.exp().sum()
  print("Subtract the largest score first (the ratio does not change): o − max o = \(values(shifted))")
  print("  softmax = \(values(p))")
  print("For the loss we need log softmax; compute it directly as o − logsumexp(o), where")
  print("  logsumexp(o) = max o + log Σ exp(o − max o) = \(String(format: "%.4f", o.logsumexp().item()))")
  print("  log softmax = \(values(logSoftmax(o)))   (no exp of a huge number, no log of 0)")
}

func values(_ t: Tensor) -> String { "[" + t.toDoubles().map { formatValue($0) }.joined(separator: ", ") + "]" }

func formatValue(_ v: Double) -> String {
  v.isNaN ? "nan" : v.isInfinite ? (v > 0 ? "inf" : "-inf") : String(format: "%.4f", v)
}
