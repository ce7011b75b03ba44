// Chapter 02: automatic differentiation. Each section is a function in a file of this folder;
// this file reads the options and runs them in order, then prints the RESULT line.
import ArgumentParser
import ChapterKit
import Foundation
import Torchlight

/// `swift run -c release autograd`: the options, then the sections in order.
struct AutogradChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "autograd",
    abstract: "Walks through reverse-mode automatic differentiation: the recorded graph, backward, accumulation, hooks, no-grad, higher-order derivatives, gradient checks, the graph as a picture (chapter 02).")

  @Option(help: "Seed of the random tensors.")
  var seed: UInt64 = 0

  @Option(help: "Where graph.dot/graph.png, mlp.dot/mlp.png and tanh-derivatives.png go.")
  var output = "out/autograd"

  @Option(help: "CPU threads for the engine (default: all cores).")
  var threads = ProcessInfo.processInfo.activeProcessorCount

  func validate() throws {
    guard threads >= 1 else { throw ValidationError("--threads needs a positive integer, got \(threads)") }
    guard !output.isEmpty else { throw ValidationError("--output needs a directory") }
  }

  func run() throws {
    manualSeed(seed)
    Threads.set(threads)
    do { try makeOutputDirectory(output) } catch { throw ChapterError("\(error)") }

    heading(1, "The graph behind y = (x + w)·(w + 1)")
    sectionGraph()
    heading(2, "Gradients accumulate")
    sectionAccumulation()
    heading(3, "backward frees the graph unless retainGraph is set")
    sectionRetainGraph()
    heading(4, "Hooks and retainGrad")
    sectionHooks()
    heading(5, "Switching recording off: withNoGrad and detached()")
    sectionNoGrad()
    heading(6, "Derivatives of derivatives")
    let tanhError = sectionTanhDerivatives()
    do {
      try drawTanhDerivatives(outputDirectory: output)
      say("  the curves over [−4, 4]: tanh-derivatives.png in the output folder")
    } catch {
      say("  could not draw the curves: \(error)")
    }
    let newtonX = sectionNewton()
    heading(7, "Checking gradients against finite differences")
    let checkPassed = sectionGradientCheck()
    heading(8, "The graph as a picture (Graphviz DOT)")
    sectionGraphFiles(outputDirectory: output)

    print("")
    printResult(chapter: "autograd", extra: ["tanh_max_error": String(format: "%.3g", tanhError),
                                             "newton_x": String(format: "%.12g", newtonX), "gradcheck": checkPassed ? "passed" : "failed"])
  }
}

AutogradChapter.runAsChapter()
