import Foundation
import TorchlightOptim
import TorchlightPlot

/// A function of two variables to minimise, written with tensor ops so autograd gives its gradient.
struct TestFunction: Sendable {
  let name: String
  let file: String
  let start: [Double]
  let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>
  let minimum: [Double]
  let f: @Sendable (Tensor) -> Tensor

  /// The textbook's ill-conditioned bowl f(x) = 0.1·x₁² + 2·x₂²: 20 times steeper across than
  /// along, so one learning rate is too small for x₁ and nearly too large for x₂.
  static let bowl = TestFunction(name: "f(x) = 0.1·x1² + 2·x2²", file: "bowl", start: [-5, -2],
                                 xRange: -5.5...1.5, yRange: -3...3, minimum: [0, 0]) { x in
    0.1 * x[0] * x[0] + 2 * x[1] * x[1]
  }

  /// Rosenbrock's banana (1 − x₁)² + 100(x₂ − x₁²)²: a curved valley whose floor falls slowly
  /// toward the minimum at (1, 1).
  static let rosenbrock = TestFunction(name: "Rosenbrock (1 − x1)² + 100·(x2 − x1²)²", file: "rosenbrock", start: [-1.5, 2],
                                       xRange: -2...2, yRange: -1...3, minimum: [1, 1]) { x in
    let a = 1 - x[0], b = x[1] - x[0] * x[0]
    return a * a + 100 * b * b
  }

  func value(_ x1: Double, _ x2: Double) -> Double { withNoGrad { f(Tensor([x1, x2], dtype: .float64)).item() } }

  /// f at every point of a grid, z[i][j] = f(xs[j], ys[i]), in one evaluation: f only indexes
  /// x[0] and x[1], so given a [2, M] tensor of M points it returns all M values at once.
  func values(xs: [Double], ys: [Double]) -> [[Double]] {
    let points = Tensor(ys.flatMap { _ in xs } + ys.flatMap { y in xs.map { _ in y } }, shape: [2, xs.count * ys.count], dtype: .float64)
    let flat = withNoGrad { f(points) }.toDoubles()
    return ys.indices.map { i in Array(flat[(i * xs.count)..<((i + 1) * xs.count)]) }
  }
}

/// One optimizer set up for a 2-D run: how to build it on the point being moved, and how many steps.
struct OptimizerRecipe {
  let label: String
  let make: (Tensor) -> any Optimizer
  /// Gradient noise of this standard deviation makes plain GD into SGD (the gradient of one
  /// random example is the full gradient plus noise).
  var noise: Double = 0
}

/// Runs an optimizer on `function` from its start: each step computes f at the current point,
/// backpropagates, and lets the optimizer move the point. Returns every point visited.
func trajectory(_ recipe: OptimizerRecipe, on function: TestFunction, steps: Int, generator: Generator) -> [[Double]] {
  let x = Tensor(function.start, dtype: .float64).requiringGrad()
  let optimizer = recipe.make(x)
  var path = [function.start]
  for _ in 0..<steps {
    var loss = function.f(x)
    if recipe.noise > 0 {
      // + n·x adds n to the gradient: a noisy gradient, as SGD's minibatch estimate is.
      loss = loss + (Tensor.normal([2], std: recipe.noise, dtype: .float64, generator: generator) * x).sum()
    }
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
    let p = x.toDoubles()
    guard p.allSatisfy({ $0.isFinite && Swift.abs($0) < 1e6 }) else { break }   // diverged
    path.append(p)
  }
  return path
}

/// The contour map of `function` with one path per optimizer drawn on it. With `widened`, the
/// map grows to hold every path (a diverging run shown to its end); otherwise it keeps the
/// function's own view, and points outside it are clipped to its edge.
func drawTrajectories(_ plotter: Plotter, _ function: TestFunction, _ runs: [(String, [[Double]])], name: String, title: String,
                      widened: Bool = false) throws {
  func cover(_ r: ClosedRange<Double>, _ values: [Double]) -> ClosedRange<Double> {
    guard widened, let lo = values.min(), let hi = values.max() else { return r }
    let margin = 0.05 * (Swift.max(hi, r.upperBound) - Swift.min(lo, r.lowerBound))
    return Swift.min(r.lowerBound, lo - margin)...Swift.max(r.upperBound, hi + margin)
  }
  let xRange = cover(function.xRange, runs.flatMap { $0.1.map { $0[0] } })
  let yRange = cover(function.yRange, runs.flatMap { $0.1.map { $0[1] } })
  let xs = (0...120).map { xRange.lowerBound + Double($0) / 120 * (xRange.upperBound - xRange.lowerBound) }
  let ys = (0...120).map { yRange.lowerBound + Double($0) / 120 * (yRange.upperBound - yRange.lowerBound) }
  let z = function.values(xs: xs, ys: ys)
  func clip(_ v: Double, _ r: ClosedRange<Double>) -> Double { Swift.min(Swift.max(v, r.lowerBound), r.upperBound) }
  var overlays = runs.map { label, path in
    Series(label, x: path.map { clip($0[0], xRange) }, y: path.map { clip($0[1], yRange) }, style: path.count > 60 ? .lines : .linesPoints)
  }
  overlays.append(Series("minimum", x: [function.minimum[0]], y: [function.minimum[1]], style: .points))
  try plotter.save(ContourPlot(title: title, xLabel: "x1", yLabel: "x2", x: xs, y: ys, z: z, levels: 14, logLevels: true,
                               overlays: overlays, colorLabel: "f(x1, x2), log scale"), name: name)
}

/// The optimizers of the chapter on the 2-D functions, with learning rates that suit each
/// (the textbook's where it gives one).
func twoDRecipes(bowl: Bool) -> [OptimizerRecipe] {
  // The bowl's curvatures are 0.2 and 4; Rosenbrock's valley needs far smaller steps.
  let s = bowl ? 1.0 : 0.0025
  let momentumLR = 0.3 * s, adagradLR = bowl ? 0.4 : 0.5, rmsLR = bowl ? 0.4 : 0.01
  let adadeltaEps = bowl ? 0.1 : 1e-4, adamLR = bowl ? 0.3 : 0.05
  return [
    OptimizerRecipe(label: "GD (lr \(fmt(0.4 * s)))", make: { SGD(parameters: [$0], lr: 0.4 * s) }),
    OptimizerRecipe(label: "SGD, noisy gradient (lr \(fmt(0.1 * s)))", make: { SGD(parameters: [$0], lr: 0.1 * s) }, noise: bowl ? 1 : 20),
    OptimizerRecipe(label: "momentum 0.5 (lr \(fmt(momentumLR)))", make: { SGD(parameters: [$0], lr: momentumLR, momentum: 0.5) }),
    OptimizerRecipe(label: "Nesterov 0.5 (lr \(fmt(momentumLR)))",
                    make: { SGD(parameters: [$0], lr: momentumLR, momentum: 0.5, nesterov: true) }),
    OptimizerRecipe(label: "AdaGrad (lr \(fmt(adagradLR)))", make: { Adagrad(parameters: [$0], lr: adagradLR) }),
    OptimizerRecipe(label: "RMSProp α 0.9 (lr \(fmt(rmsLR)))", make: { RMSprop(parameters: [$0], lr: rmsLR, alpha: 0.9) }),
    OptimizerRecipe(label: "Adadelta ρ 0.9, ε \(fmt(adadeltaEps))", make: { Adadelta(parameters: [$0], lr: 1, rho: 0.9, eps: adadeltaEps) }),
    OptimizerRecipe(label: "Adam (lr \(fmt(adamLR)))", make: { Adam(parameters: [$0], lr: adamLR) }),
  ]
}

func fmt(_ v: Double) -> String { String(format: "%g", v) }
