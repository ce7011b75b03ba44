import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

/// Part `ddim`: the same trained model sampled by deterministic DDIM in 10, 20, 50, 100 and 1000
/// steps from the same starting noise: the samples side by side, and each step count's Fréchet
/// distance and seconds per sample. (Labels 0…9 in turn, no guidance.) The 1000-step sampler
/// costs as much as all the others together, so it draws a tenth of the images (at least 50)
/// and is compared with the floor of that many real images.
func runDDIMPart(_ chapter: DiffusionChapter, _ plotter: Plotter, _ model: ImageDiffusion, _ quality: SampleQuality) throws {
  let options = chapter.options
  let counts = options.quick ? [5, 20] : [10, 20, 50, 100, 1000]
  let n = quality.samples
  section("DDIM: \(n) samples per step count from the same noise, conditional (guidance scale 1)")
  let labels = (0..<n).map { $0 % 10 }
  let start = Tensor.randn([n, 1, 28, 28], generator: Generator(seed: options.seed &+ 1330))
  var shown: [[Double]] = [], captions: [String] = []
  var rows: [(steps: Int, samples: Int, fid: Double, floor: Double, secondsPerSample: Double)] = []
  for count in counts {
    let m = count >= 1000 ? min(n, max(50, n / 10)) : n
    let began = Date()
    let images = model.sample(start: start.narrow(axis: 0, start: 0, length: m), labels: Array(labels.prefix(m)), steps: count, scale: 1)
    let seconds = Date().timeIntervalSince(began) / Double(m)
    let fid = quality.scorer.frechetDistance(images), floor = quality.floor(count: m)
    rows.append((count, m, fid, floor, seconds))
    print(String(format: "  %4d steps, %d samples: Fréchet distance %7.3f (%.1f× the floor %.3f), %.4f s per sample", count, m, fid,
                 fid / max(floor, 1e-12), floor, seconds))
    let pixels = images.narrow(axis: 0, start: 0, length: 10).toDoubles()
    for k in 0..<10 {
      shown.append(Array(pixels[(k * 784)..<((k + 1) * 784)]))
      captions.append(k == 0 ? "\(count) steps" : "")
    }
    printResult(chapter: Defaults.chapter, model: "ddim", ["fid": fid, "fid_floor": floor, "sec_per_sample": seconds],
                extra: ["steps": "\(count)", "samples": "\(m)", "threads": "\(options.threads)"])
  }
  try plotter.save(ImageGrid(title: "The same ten noises by DDIM in \(counts.map(String.init).joined(separator: ", ")) steps (rows)",
                             images: shown, height: 28, width: 28, columns: 10, captions: captions),
                   name: "ddim-steps", width: 900, height: 110 * counts.count + 60)
  let steps = rows.map { Double($0.steps) }
  try plotter.save(LinePlot(title: "DDIM: Fréchet distance against the number of sampling steps, and the floor", xLabel: "steps",
                            yLabel: "Fréchet distance", series: [
                              Series("DDIM", x: steps, y: rows.map(\.fid), style: .linesPoints, color: 0),
                              Series("floor: as many real training images", x: steps, y: rows.map(\.floor), style: .dashed, color: 7)],
                            logX: true, logY: true), name: "ddim-fid")
  print("\n  | steps | samples | Fréchet distance | floor | × floor | s/sample |")
  print("  |---:|---:|---:|---:|---:|---:|")
  for r in rows {
    print(String(format: "  | %d | %d | %.2f | %.2f | %.1f | %.4f |", r.steps, r.samples, r.fid, r.floor, r.fid / max(r.floor, 1e-12), r.secondsPerSample))
  }
}
