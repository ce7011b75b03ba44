import Foundation
import Testing

/// The pages must not rot as the code moves: every relative link in `docs/` and the README points
/// at a file that exists, every `#Lx-Ly` anchor at lines the file has, and every code block that
/// is followed by such a link still quotes that file (its lines, trimmed, appear in order within
/// the range; a line `…` stands for lines left out).
@Suite("Docs links and quoted code") struct DocsLinkTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test func everyLinkAnchorAndQuotedBlockMatchesTheRepository() throws {
    let docs = Self.root.appendingPathComponent("docs")
    let pages = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
      .map { docs.appendingPathComponent($0) } + ["README.md", "CONTRIBUTING.md"].map { Self.root.appendingPathComponent($0) }
    #expect(pages.count > 10)
    var problems: [String] = [], anchors = 0
    for page in pages {
      let lines = try String(contentsOf: page, encoding: .utf8).components(separatedBy: "\n")
      var inBlock = false, block: [String] = [], lastBlock: [String]?, lastBlockEnd = -10
      for (i, line) in lines.enumerated() {
        if line.hasPrefix("```") {
          if inBlock { lastBlock = block; lastBlockEnd = i } else { block = [] }
          inBlock.toggle()
          continue
        }
        if inBlock { block.append(line); continue }
        for target in relativeLinks(in: line) {
          let place = "\(page.lastPathComponent):\(i + 1)"
          let parts = target.split(separator: "#", maxSplits: 1).map(String.init)
          let file = page.deletingLastPathComponent().appendingPathComponent(parts[0]).standardizedFileURL
          guard FileManager.default.fileExists(atPath: file.path) else { problems.append("\(place): \(target) does not exist"); continue }
          guard parts.count == 2 else { continue }
          guard let range = lineRange(parts[1]) else { problems.append("\(place): \(target): the anchor is not #Lx or #Lx-Ly"); continue }
          anchors += 1
          let source = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
          guard range.upperBound <= source.count else {
            problems.append("\(place): \(target): the file has \(source.count) lines"); continue
          }
          guard let quoted = lastBlock, i - lastBlockEnd <= 1 else { continue }
          let have = source[(range.lowerBound - 1)..<range.upperBound].map { $0.trimmingCharacters(in: CharacterSet.whitespaces) }
          let wantedLines = quoted.map { $0.trimmingCharacters(in: CharacterSet.whitespaces) }
            .filter { !$0.isEmpty && !["…", "// …", "..."].contains($0) }
          var k = 0
          for wanted in wantedLines {
            while k < have.count && have[k] != wanted { k += 1 }
            if k == have.count { problems.append("\(place): the code block above is not in \(target): \(wanted)"); break }
            k += 1
          }
        }
      }
    }
    #expect(anchors > 20)
    #expect(problems.isEmpty, "\(problems.count) stale links:\n\(problems.joined(separator: "\n"))")
  }

  /// The targets of `[text](target)` links that are not web addresses or in-page anchors.
  private func relativeLinks(in line: String) -> [String] {
    var result: [String] = []
    var rest = Substring(line)
    while let open = rest.range(of: "](") {
      rest = rest[open.upperBound...]
      guard let close = rest.firstIndex(of: ")") else { break }
      let target = String(rest[..<close])
      if !target.contains("://"), !target.hasPrefix("#"), !target.hasPrefix("mailto:"), !target.contains(" ") { result.append(target) }
      rest = rest[close...]
    }
    return result
  }

  /// `L10-L24` → 10...24, `L7` → 7...7.
  private func lineRange(_ anchor: String) -> ClosedRange<Int>? {
    let parts = anchor.split(separator: "-").map { $0.hasPrefix("L") ? Int($0.dropFirst()) : nil }
    guard (1...2).contains(parts.count), let a = parts[0], let b = parts.last!, a >= 1, a <= b else { return nil }
    return a...b
  }
}
