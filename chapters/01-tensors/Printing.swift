import Foundation
import Torchlight

/// Seeds every random draw of the chapter.
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
