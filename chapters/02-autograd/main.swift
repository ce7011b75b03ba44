// Chapter 02: automatic differentiation. Each section is a function in a file of this folder;
// this file reads the options and runs them in order, then prints the RESULT line.
import Foundation
import Torchlight

let options = WalkthroughOptions.parseOrExit(CommandLine.arguments.dropFirst())
manualSeed(options.seed)
Threads.set(options.threads)
do { try makeOutputDirectory(options.output) } catch { exitWithError("\(error)") }

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
  try drawTanhDerivatives(outputDirectory: options.output)
  say("  the curves over [−4, 4]: tanh-derivatives.png in the output folder")
} catch {
  say("  could not draw the curves: \(error)")
}
let newtonX = sectionNewton()
heading(7, "Checking gradients against finite differences")
let checkPassed = sectionGradientCheck()
heading(8, "The graph as a picture (Graphviz DOT)")
sectionGraphFiles(outputDirectory: options.output)

print("")
print("RESULT chapter=autograd tanh_max_error=\(String(format: "%.3g", tanhError)) "
      + "newton_x=\(String(format: "%.12g", newtonX)) gradcheck=\(checkPassed ? "passed" : "failed")")
