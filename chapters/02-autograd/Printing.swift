import Foundation
import Torchlight

/// The command line of this chapter: `--seed N`, `--output DIR`, `--threads N` (and `--help`). It trains
/// nothing, so it takes none of the training options the later chapters have.
struct WalkthroughOptions {
  var seed: UInt64 = 0
  var output = "out/autograd"
  var threads = ProcessInfo.processInfo.activeProcessorCount

  static let usage = """
    USAGE: autograd [--seed N] [--output DIR] [--threads N]

    Walks through reverse-mode automatic differentiation: the recorded graph, backward,
    accumulation, hooks, no-grad, higher-order derivatives, gradient checks, the graph as a picture.

    OPTIONS:
      --seed N        seed of the random tensors (default 0)
      --output DIR    where graph.dot/graph.png, mlp.dot/mlp.png and tanh-derivatives.png go
                      (default out/autograd)
      --threads N     CPU threads for the engine (default: all cores)
      -h, --help      show this help
    """

  static func parseOrExit(_ arguments: ArraySlice<String>) -> WalkthroughOptions {
    var options = WalkthroughOptions()
    var rest = arguments
    while let raw = rest.popFirst() {
      // Accept both `--seed 3` and `--seed=3`.
      let parts = raw.split(separator: "=", maxSplits: 1).map(String.init)
      let flag = parts[0]
      func value() -> String {
        if parts.count == 2 { return parts[1] }
        guard let next = rest.popFirst() else { fail("\(flag) needs a value") }
        return next
      }
      switch flag {
      case "--seed":
        let text = value()
        guard let seed = UInt64(text) else { fail("--seed needs a non-negative integer, got '\(text)'") }
        options.seed = seed
      case "--output":
        let dir = value()
        guard !dir.isEmpty else { fail("--output needs a directory") }
        options.output = dir
      case "--threads":
        let text = value()
        guard let n = Int(text), n >= 1 else { fail("--threads needs a positive integer, got '\(text)'") }
        options.threads = n
      case "--help", "-h":
        print(usage)
        exit(0)
      default:
        fail("unknown argument '\(raw)'")
      }
    }
    return options
  }

  static func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("autograd: \(message) (see --help)\n".utf8))
    exit(code)
  }
}

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
