import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

/// The Fashion-MNIST class names, by label.
let classNames = ["T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]

/// Part `guidance`: classifier-free guidance at scales 0, 1, 2, 3 and 5. For each scale, samples of
/// every class (one grid), the Fréchet distance of the whole set, and how often the feature
/// network recognises the requested class: guidance trades diversity for fidelity to the label.
func runGuidancePart(_ chapter: DiffusionChapter, _ plotter: Plotter, _ model: ImageDiffusion, _ quality: SampleQuality) throws {
  let options = chapter.options
  let scales = [0.0, 1, 2, 3, 5], n = quality.samples
  section("Classifier-free guidance: \(n) samples per scale (labels 0…9 in turn), DDIM \(chapter.steps) steps, the same noise for every scale")
  let labels = (0..<n).map { $0 % 10 }
  let start = Tensor.randn([n, 1, 28, 28], generator: Generator(seed: options.seed &+ 1340))
  let shownClasses = chapter.guidanceClass.map { Array(repeating: $0, count: 8) } ?? Array(0..<10)
  let gridStart = Tensor.randn([shownClasses.count, 1, 28, 28], generator: Generator(seed: options.seed &+ 1341))
  var grid: [[Double]] = [], captions: [String] = []
  print("  scale   Fréchet distance   × floor   class accuracy   s/sample")
  for scale in scales {
    let began = Date()
    let images = model.sample(start: start, labels: labels, steps: chapter.steps, scale: scale)
    let seconds = Date().timeIntervalSince(began) / Double(n)
    let fid = quality.scorer.frechetDistance(images)
    let accuracy = quality.scorer.classAccuracy(images, requested: labels)
    print(String(format: "  %5g   %16.3f   %7.1f   %14.3f   %8.4f", scale, fid, fid / max(quality.floor, 1e-12), accuracy, seconds))
    printResult(chapter: Defaults.chapter, model: "guidance", ["scale": scale, "fid": fid, "fid_floor": quality.floor, "class_acc": accuracy,
                                                                "sec_per_sample": seconds],
                extra: ["steps": "\(chapter.steps)", "samples": "\(n)"])
    let pixels = model.sample(start: gridStart, labels: shownClasses, steps: chapter.steps, scale: scale).toDoubles()
    for k in shownClasses.indices {
      grid.append(Array(pixels[(k * 784)..<((k + 1) * 784)]))
      captions.append(k == 0 ? "w = \(formatNumber(scale))" : (chapter.guidanceClass == nil ? classNames[k] : ""))
    }
  }
  let what = chapter.guidanceClass.map { "eight samples of class \($0) (\(classNames[$0]))" } ?? "one sample per class"
  try plotter.save(ImageGrid(title: "Guidance scales w = 0, 1, 2, 3, 5 (rows): \(what), the same noise",
                             images: grid, height: 28, width: 28, columns: shownClasses.count, captions: captions),
                   name: "guidance", width: 900, height: 110 * scales.count + 60)
}
