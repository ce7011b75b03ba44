import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

/// Part `gradients` (d2l §9.7): why backpropagation through a long sequence is hard. The
/// gradient reaching the hidden state h_t from a loss at the last step T is a product of T − t
/// Jacobians,
///     ∂L/∂h_t = (∂h_{t+1}/∂h_t)ᵀ ⋯ (∂h_T/∂h_{T−1})ᵀ ∂L/∂h_T,   ∂h_{s+1}/∂h_s = diag(1 − h_{s+1}²) W_hhᵀ,
/// so its length changes by roughly the spectral radius ρ of W_hh (times tanh's slope, at most
/// 1) with every step back: it shrinks geometrically when ρ < 1 and may grow geometrically when
/// ρ > 1. Here W_hh = ρ·Q with Q a random orthogonal matrix (every eigenvalue and singular value
/// of Q has modulus 1, so ρ is exactly W_hh's spectral radius and norm), the rest is the scratch
/// RNN as initialised for training, and the input is 100 random characters.
struct GradientProfile {
  let rho: Double
  let clipped: Bool
  /// ‖∂L/∂h_t‖ for t = 1 … T (index t − 1).
  let norms: [Double]
  /// ‖g‖ of all parameter gradients together, before the global clipping of training.
  let parameterNorm: Double
}

func runGradientsPart(_ chapter: RNNChapter, _ plotter: Plotter) throws {
  let steps = chapter.options.quick ? 40 : 100, hiddens = chapter.hiddens, vocabularySize = 28, batch = 16
  let threshold = 1.0
  section("Exploding and vanishing gradients: ‖∂L/∂h_t‖ back through \(steps) steps of the scratch RNN "
          + "(\(hiddens) hidden units), loss at the last step, W_hh = ρ·(random orthogonal)")
  let g = Generator(seed: chapter.options.seed &+ 3)
  let inputs = Tensor.randint(0, vocabularySize, [batch, steps], generator: g)
  let targets = Tensor.randint(0, vocabularySize, [batch], generator: g)
  let q = randomOrthogonal(hiddens, generator: g)
  let modelSeed = chapter.options.seed &+ 4

  func profile(rho: Double, clipEachStep: Bool) -> GradientProfile {
    // The same initial weights every time (W_xh with σ = 0.01 as in training, so the state starts
    // small), only W_hh replaced.
    let model = RNNLMScratch(vocabularySize: vocabularySize, hiddens: hiddens, generator: Generator(seed: modelSeed))
    withNoGrad { model.rnn.wHH.copy(from: q * rho) }
    let embeddings = oneHotByHand(inputs.transposed(0, 1), size: vocabularySize)
    let (outputs, last) = model.rnn(embeddings.unbind(axis: 0), state: nil)
    // A hook on every h_t sees ∂L/∂h_t during backward, once all of it has arrived: record its
    // length and, when clipping each step, hand back a copy at most `threshold` long, which is
    // what then flows on to h_{t−1}.
    var norms = [Double](repeating: 0, count: steps)
    for (t, h) in outputs.enumerated() {
      h.registerHook { grad in
        let g64 = grad.to(.float64)                     // float32 squares of tiny gradients would underflow to 0
        let norm = (g64 * g64).sum().item().squareRoot()
        norms[t] = norm
        return clipEachStep && norm > threshold ? grad * (threshold / norm) : nil
      }
    }
    let loss = crossEntropy(logits: last.matmul(model.wHQ) + model.bQ, targets: targets)
    loss.backward()
    let parameterNorm = clipGradients(model.parameters, maxNorm: .infinity)
    return GradientProfile(rho: rho, clipped: clipEachStep, norms: norms, parameterNorm: parameterNorm)
  }

  let rhos = [0.5, 0.9, 1.0, 1.1, 1.5, 2.0]
  let plain = rhos.map { profile(rho: $0, clipEachStep: false) }
  let clipped = profile(rho: 2.0, clipEachStep: true)
  let back = [0, 1, 10, 25, 50, steps - 1].filter { $0 < steps }
  print("  ‖∂L/∂h_t‖, steps back:          " + back.map { String(format: "%9d", $0) }.joined()
        + "   per step   ‖∂L/∂θ‖ → clipped to \(formatNumber(threshold))")
  for p in plain + [clipped] {
    let label = "ρ = \(formatNumber(p.rho))" + (p.clipped ? ", clipped each step" : "")
    // The geometric mean of the change per step back, over the whole sequence.
    let perStep = pow(p.norms[0] / p.norms[steps - 1], 1 / Double(steps - 1))
    print("  \(label.padding(toLength: 31, withPad: " ", startingAt: 0)) " + back.map { String(format: "%9.1e", p.norms[steps - 1 - $0]) }.joined()
          + String(format: "   ×%.3f   %9.2e → %.2e", perStep, p.parameterNorm, min(p.parameterNorm, threshold)))
  }
  print("""
    ρ < 1: each step back shrinks the gradient by about ρ, and what the loss says about early states vanishes.
    ρ > 1: it grows geometrically; tanh's slope 1 − h² ≤ 1 slows the growth but does not stop it.
    Clipping by global norm, as training does, rescales all parameter gradients together after backward: it
    bounds the step, but a vanished gradient stays vanished and the far-back steps still dominate an exploded one.
    Clipping each ∂L/∂h_t as it flows back (a hook on h_t, dashed in the figure) keeps the far-back gradients bounded.
  """)

  let x = (0..<steps).map(Double.init)
  var series = plain.enumerated().map { i, p in
    Series("ρ = \(formatNumber(p.rho))", x: x, y: p.norms.reversed(), style: .lines, color: i)
  }
  series.append(Series("ρ = \(formatNumber(clipped.rho)), clipped to ‖·‖ ≤ \(formatNumber(threshold)) at each step", x: x,
                       y: clipped.norms.reversed(), style: .dashed, color: rhos.firstIndex(of: clipped.rho)!))
  try plotter.save(LinePlot(title: "Gradient reaching h_t from a loss at the last step, by steps back through time",
                            xLabel: "steps back from the loss (T − t)", yLabel: "‖∂L/∂h_t‖ (log scale)", series: series, logY: true,
                            yRange: 1e-12...1e14),
                   name: "gradient-norms", height: 560)
}

/// A random n × n orthogonal matrix: Gram–Schmidt on the columns of a Gaussian matrix (done
/// twice for accuracy), in Double, returned as float32.
func randomOrthogonal(_ n: Int, generator: Generator) -> Tensor {
  let a = Tensor.randn([n, n], dtype: .float64, generator: generator).toDoubles()
  var columns = (0..<n).map { j in (0..<n).map { i in a[i * n + j] } }
  for j in 0..<n {
    for _ in 0..<2 {
      for k in 0..<j {
        let dot = zip(columns[j], columns[k]).map(*).reduce(0, +)
        columns[j] = zip(columns[j], columns[k]).map { $0 - dot * $1 }
      }
    }
    let norm = columns[j].map { $0 * $0 }.reduce(0, +).squareRoot()
    columns[j] = columns[j].map { $0 / norm }
  }
  return Tensor((0..<(n * n)).map { Float(columns[$0 % n][$0 / n]) }, shape: [n, n])
}
