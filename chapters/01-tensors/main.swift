// Chapter 01: what a tensor is. Each section is a function in a file of this folder;
// this file reads the options and runs them in order.
import ArgumentParser
import ChapterKit
import Foundation

/// `swift run -c release tensors`: the options, then the sections in order.
struct TensorsChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tensors",
    abstract: "Walks through what a tensor is: storage, shape, strides, offset, views, broadcasting, dtypes (chapter 01).")

  @Option(help: "Seed of the random tensors.")
  var seed: UInt64 = 0

  @Option(help: "Where the figure views.png goes.")
  var output = "out/tensors"

  func validate() throws {
    guard !output.isEmpty else { throw ValidationError("--output needs a directory") }
  }

  func run() throws {
    let sections: [(String, () -> Void)] = [
      ("Making tensors", sectionMaking),
      ("One storage, many views", sectionViews),
      ("Transpose without copying", sectionTranspose),
      ("contiguous() copies only when it must", sectionContiguous),
      ("Why view can fail, and what to do", sectionViewFailure),
      ("Broadcasting", sectionBroadcasting),
      ("In-place changes are seen through every view", sectionInPlace),
      ("dtypes, promotion and memory", sectionDTypes),
    ]
    seedEverything(seed)
    for (number, (title, body)) in sections.enumerated() {
      heading(number + 1, title)
      body()
    }
    heading(sections.count + 1, "The picture")
    do {
      try drawViews(outputDirectory: output)
      say("  one storage and five views of it, each cell labelled with the storage slot it reads: \(output)/views.png")
    } catch {
      throw ChapterError("could not draw the figure: \(error)")
    }
    printResult(chapter: "tensors", extra: ["sections": "\(sections.count)"])
  }
}

TensorsChapter.runAsChapter()
