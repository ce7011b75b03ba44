import Foundation
import Torchlight

/// The command line of this chapter: only `--seed N` (and `--help`). The other chapters use
/// ChapterKit's full set; this one trains nothing.
struct WalkthroughOptions {
  var seed: UInt64 = 0

  static func parseOrExit(_ arguments: ArraySlice<String>) -> WalkthroughOptions {
    var options = WalkthroughOptions()
    var rest = arguments
    while let arg = rest.popFirst() {
      switch arg {
      case "--seed":
        guard let value = rest.popFirst(), let seed = UInt64(value) else { fail("--seed needs a non-negative integer") }
        options.seed = seed
      case "--help", "-h":
        print("USAGE: tensors [--seed N]\n\nWalks through what a tensor is: storage, shape, strides, offset, views, broadcasting, dtypes.")
        exit(0)
      default:
        fail("unknown argument '\(arg)'")
      }
    }
    return options
  }

  static func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tensors: \(message) (see --help)\n".utf8))
    exit(2)
  }
}

func seedEverything(_ seed: UInt64) { manualSeed(seed) }

func heading(_ number: Int, _ title: String) {
  print("\n\(number). \(title)\n" + String(repeating: "─", count: title.count + 4))
}

/// Prints an explanation line, then the value.
func show(_ label: String, _ value: Any) {
  print("\(label):")
  print("\(value)".split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
}

func say(_ text: String) { print(text) }
