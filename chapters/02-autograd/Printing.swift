import Foundation
import Torchlight

/// Stops the program with one line on stderr and exit code 1 (for file problems, not usage).
func exitWithError(_ message: String) -> Never {
  FileHandle.standardError.write(Data("autograd: \(message)\n".utf8))
  exit(1)
}

func heading(_ number: Int, _ title: String) {
  print("\n\(number). \(title)\n" + String(repeating: "─", count: title.count + 4))
}

func say(_ text: String) { print(text) }

/// A one-element tensor's value, short: `4.0`, `-0.4200`.
func value(_ t: Tensor?) -> String {
  guard let t else { return "nil" }
  if t.count == 1 { return formatted(t.item()) }
  return "[" + t.toDoubles().map(formatted).joined(separator: ", ") + "]"
}

func formatted(_ v: Double) -> String {
  v == v.rounded() && Swift.abs(v) < 1e9 ? String(format: "%.1f", v) : String(format: "%.6g", v)
}
