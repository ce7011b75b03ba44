import Foundation
import Torchlight
import TorchlightPlot

/// The first `orders` derivatives of tanh at `points`, each found by differentiating the
/// previous one with autograd: row k holds the (k+1)-th derivative at every point.
///
/// `createGraph: true` records the backward pass itself, so its result is one more function of x
/// that can be differentiated again. Summing first gives, for an elementwise function, exactly
/// the derivative at each point (∂/∂xᵢ Σⱼ f(xⱼ) = f'(xᵢ)).
func tanhDerivatives(at points: [Double], orders: Int = 4) -> [[Double]] {
  let x = Tensor(points, shape: [points.count], dtype: .float64).requiringGrad()
  var f = x.tanh()
  var rows: [[Double]] = []
  for _ in 0..<orders {
    guard let d = grad(of: f.sum(), with: [x], createGraph: true)[0] else {
      fatalError("tanhDerivatives: the derivative no longer depends on x")
    }
    rows.append(d.toDoubles())
    f = d
  }
  return rows
}

/// The same derivatives from their closed forms in t = tanh x.
func tanhDerivativesClosedForm(at points: [Double]) -> [[Double]] {
  let t = points.map { Foundation.tanh($0) }
  return [
    t.map { 1 - $0 * $0 },
    t.map { -2 * $0 * (1 - $0 * $0) },
    t.map { -2 * (1 - $0 * $0) * (1 - 3 * $0 * $0) },
    t.map { 8 * $0 * (1 - $0 * $0) * (2 - 3 * $0 * $0) },
  ]
}

/// Newton's method for a minimum of f: x ← x − f'(x)/f''(x), both derivatives from autograd.
/// Returns every iterate, starting with `start`; stops when a step is below `tolerance`.
func newton(_ f: (Tensor) -> Tensor, start: Double, maxIterations: Int = 20, tolerance: Double = 1e-12) -> [Double] {
  var iterates = [start]
  for _ in 0..<maxIterations {
    let x = Tensor(iterates.last!, dtype: .float64).requiringGrad()
    let y = f(x)
    let dy = grad(of: y, with: [x], createGraph: true)[0]!   // f'(x), itself a recorded function of x
    let d2y = grad(of: dy, with: [x])[0]!                     // f''(x)
    let step = dy.item() / d2y.item()
    iterates.append(iterates.last! - step)
    if Swift.abs(step) < tolerance { break }
  }
  return iterates
}

/// The quartic of the Newton example: f(x) = x⁴ − 2x², minima at x = ±1.
func quartic(_ x: Tensor) -> Tensor { x.pow(4) - 2 * x.pow(2) }

/// Prints the derivatives against their closed forms; returns the largest absolute difference.
func sectionTanhDerivatives() -> Double {
  let points = [-1.5, -0.5, 0.0, 0.5, 1.0, 2.0]
  say("grad(of:with:createGraph: true) returns a gradient that is itself recorded, so it can be")
  say("differentiated again. Four times over tanh, in float64, against the closed forms (t = tanh x):")
  say("  tanh' = 1 − t²,  tanh'' = −2t(1 − t²),  tanh''' = −2(1 − t²)(1 − 3t²),  tanh'''' = 8t(1 − t²)(2 − 3t²)")
  let auto = tanhDerivatives(at: points)
  let exact = tanhDerivativesClosedForm(at: points)
  let column = { (s: String) in s.padding(toLength: 10, withPad: " ", startingAt: 0) }
  let row = { (label: String, values: [Double], format: String) in
    say("  " + column(label) + values.map { column(String(format: format, $0 + 0))  /* + 0 prints −0 as 0 */ }.joined().trimmingCharacters(in: .whitespaces))
  }
  row("x", points, "%+.2f")
  var worst = 0.0
  for (k, (a, e)) in zip(auto, exact).enumerated() {
    row("order \(k + 1)", a, "%+.5f")
    worst = zip(a, e).reduce(worst) { Swift.max($0, Swift.abs($1.0 - $1.1)) }
  }
  say("  maximum |autograd − closed form| over all orders and points: \(String(format: "%.3g", worst))")
  return worst
}

/// Prints every Newton iterate; returns the last one.
func sectionNewton() -> Double {
  say("")
  say("Newton's method needs f' and f''. With f(x) = x⁴ − 2x², from x = 2 (exactly: f' = 4x³ − 4x,")
  say("f'' = 12x² − 4), both derivatives taken by autograd, x ← x − f'(x)/f''(x):")
  let xs = newton(quartic, start: 2)
  for (i, x) in xs.enumerated() { say("  x\(i) = \(String(format: "%.15f", x))") }
  say("It converges to the minimum at x = 1, quadratically: the error roughly squares each step.")
  return xs.last!
}

/// tanh and its first four derivatives over [−4, 4], every curve computed by autograd, drawn
/// into `tanh-derivatives.png` (with `.dat` and `.gp` beside it).
func drawTanhDerivatives(outputDirectory: String) throws {
  let xs = (0...160).map { -4 + Double($0) / 20 }
  let rows = tanhDerivatives(at: xs, orders: 4)
  let names = ["tanh x", "1st derivative", "2nd derivative", "3rd derivative", "4th derivative"]
  let curves = [xs.map { Foundation.tanh($0) }] + rows
  let plot = LinePlot(title: "tanh and its derivatives, each computed by autograd from the previous one",
                      xLabel: "x", yLabel: "value",
                      series: zip(names, curves).map { Series($0, x: xs, y: $1) }, yRange: -4.5...4.5)
  try Plotter(directory: outputDirectory).save(plot, name: "tanh-derivatives")
}
