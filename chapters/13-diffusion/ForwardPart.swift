import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

/// Part `forward`: the two noise schedules, an image noised by each, and the closed form
/// q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) checked against running the chain step by step.
func runForwardPart(_ chapter: DiffusionChapter, _ plotter: Plotter, image: Tensor) throws {
  let options = chapter.options
  section("The forward process: T = \(imageSteps), linear β 1e-4 → 0.02 (DDPM) and cosine (improved DDPM)")
  let linear = NoiseSchedule.linear(steps: imageSteps), cosine = NoiseSchedule.cosine(steps: imageSteps)
  let ts = (0..<imageSteps).map(Double.init)
  try plotter.save(LinePlot(title: "The signal left after t steps: ᾱ_t (solid) and the noise's share 1 − ᾱ_t (dashed)", xLabel: "step t",
                            yLabel: "ᾱ_t", series: [
                              Series("linear ᾱ_t", x: ts, y: linear.alphaBars, color: 0),
                              Series("cosine ᾱ_t", x: ts, y: cosine.alphaBars, color: 1),
                              Series("linear 1 − ᾱ_t", x: ts, y: linear.alphaBars.map { 1 - $0 }, style: .dashed, color: 0),
                              Series("cosine 1 − ᾱ_t", x: ts, y: cosine.alphaBars.map { 1 - $0 }, style: .dashed, color: 1)],
                            yRange: 0...1), name: "forward-alpha-bar")
  for (name, s) in [("linear", linear), ("cosine", cosine)] {
    let half = s.alphaBars.firstIndex { $0 < 0.5 } ?? imageSteps
    print(String(format: "  %@: ᾱ at t = 100, 500, 999: %.4f, %.4f, %.2e; the signal falls below half at t = %d",
                 name, s.alphaBars[100], s.alphaBars[500], s.alphaBars[imageSteps - 1], half))
  }

  // One image, noised at several t by each schedule (the same ε for every panel).
  let x0 = image.reshaped([1, 1, 28, 28]) * 2 - 1
  let noise = Tensor.randn(x0.shape, generator: Generator(seed: options.seed &+ 1300))
  let shown = [0, 50, 100, 200, 300, 500, 700, 999]
  var images: [[Double]] = [], captions: [String] = []
  for (name, s) in [("linear", linear), ("cosine", cosine)] {
    for t in shown {
      images.append(((s.noised(x0, steps: [t], noise: noise) + 1) * 0.5).clamp(min: 0, max: 1).toDoubles())
      captions.append(t == 0 ? "\(name) t = 0" : "t = \(t)")
    }
  }
  try plotter.save(ImageGrid(title: "x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε for one test image: linear schedule (top), cosine (bottom)",
                             images: images, height: 28, width: 28, columns: shown.count, captions: captions),
                   name: "forward-noising", width: 1000, height: 330)

  // The chain, step by step, against the closed form.
  let check = closedFormCheck(linear, x0: x0.reshaped([784]).narrow(axis: 0, start: 300, length: 8), chains: options.quick ? 1000 : 20_000,
                              upTo: [100, 500, 999], generator: Generator(seed: options.seed &+ 1301))
  print("  \(check.chains) chains of 8 pixels run step by step vs the closed form:")
  for row in check.rows {
    print(String(format: "    t = %3d: largest |mean − √ᾱ x₀| %.4f, largest |std − √(1 − ᾱ)| %.4f (standard error of a mean: %.4f)",
                 row.step, row.meanError, row.stdError, row.standardError))
  }
  printResult(chapter: Defaults.chapter, model: "forward", [
    "alpha_bar_end_linear": linear.alphaBars[imageSteps - 1], "alpha_bar_end_cosine": cosine.alphaBars[imageSteps - 1],
    "chain_mean_error": check.rows.map(\.meanError).max()!, "chain_std_error": check.rows.map(\.stdError).max()!])
}

/// How far many step-by-step chains are from q(x_t | x_0) at a few t.
struct ClosedFormCheck {
  struct Row { let step: Int; let meanError: Double; let stdError: Double; let standardError: Double }
  let chains: Int
  let rows: [Row]
}

/// Runs `chains` copies of the forward chain x_t = √(1 − β_t) x_{t−1} + √β_t ε from the same
/// values `x0` [D] (float64) and compares the sample mean and standard deviation at the steps
/// `upTo` with the closed form √ᾱ_t x₀ and √(1 − ᾱ_t).
func closedFormCheck(_ schedule: NoiseSchedule, x0: Tensor, chains: Int, upTo: [Int], generator: Generator) -> ClosedFormCheck {
  let start = x0.to(.float64).reshaped([1, x0.count])
  var x = start.expanded([chains, x0.count]).contiguous()
  var rows: [ClosedFormCheck.Row] = []
  for t in 0...(upTo.max() ?? 0) {
    x = schedule.step(x, step: t, noise: Tensor.randn(x.shape, dtype: .float64, generator: generator))
    guard upTo.contains(t) else { continue }
    let mean = x.mean(axis: 0), std = x.variance(axis: 0, correction: 1, keepDims: false).sqrt()
    let expectedMean = start.reshaped([x0.count]) * schedule.alphaBars[t].squareRoot()
    let expectedStd = (1 - schedule.alphaBars[t]).squareRoot()
    rows.append(.init(step: t, meanError: (mean - expectedMean).abs().max().item(), stdError: (std - expectedStd).abs().max().item(),
                      standardError: expectedStd / Double(chains).squareRoot()))
  }
  return ClosedFormCheck(chains: chains, rows: rows)
}
