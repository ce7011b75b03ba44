import Foundation

/// Starts a part of a chapter's output: a blank line and `== title`.
public func section(_ title: String) { print("\n== \(title)") }

/// A number as short as it reads: 1, 0.5, 1e-06 (`%g`).
public func formatNumber(_ v: Double) -> String { String(format: "%g", v) }

/// Prints the machine-readable line a chapter part ends with,
/// `RESULT chapter=… [model=…] <text fields> <numbers>`, numbers formatted by `formatMetric`.
/// Keys are snake_case and stable: scripts and the chapter tests read them.
public func printResult(chapter: String, model: String? = nil, _ fields: KeyValuePairs<String, Double> = [:],
                        extra: KeyValuePairs<String, String> = [:]) {
  var parts = ["RESULT chapter=\(chapter)"]
  if let model { parts.append("model=\(model)") }
  for (k, v) in extra { parts.append("\(k)=\(v)") }
  for (k, v) in fields { parts.append("\(k)=\(formatMetric(v))") }
  print(parts.joined(separator: " "))
  fflush(nil)
}
