// Chapter 01: what a tensor is. Each section is a function in a file of this folder;
// this file reads the options and runs them in order.
import Foundation

let options = WalkthroughOptions.parseOrExit(CommandLine.arguments.dropFirst())
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
seedEverything(options.seed)
for (number, (title, run)) in sections.enumerated() {
  heading(number + 1, title)
  run()
}
print("RESULT chapter=tensors sections=\(sections.count)")
