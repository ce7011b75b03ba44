import Foundation
import Testing
@testable import TorchlightNN

/// How an attention test input sits in memory: the same logical values contiguous, with its
/// axes stored in reverse order (a transposed view), or every other element of a wider buffer.
enum AttentionLayout: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case contiguous, transposed, strided
  var testDescription: String { rawValue }
}

/// A float64 leaf of `shape` with seeded normal values, laid out as `layout`.
func attentionLeaf(_ shape: [Int], _ layout: AttentionLayout = .contiguous, seed: UInt64, scale: Double = 1) -> Tensor {
  let values = Tensor.randn([Layout.count(shape)], dtype: .float64, generator: Generator(seed: seed)) * scale
  let logical = values.reshaped(shape).detached()
  let view: Tensor
  switch layout {
  case .contiguous:
    view = logical
  case .transposed:
    let reversed = Array((0..<shape.count).reversed())
    view = logical.permuted(reversed).contiguous().permuted(reversed)
  case .strided:
    let wide = Tensor.zeros(Array(shape.dropLast()) + [2 * shape.last!], dtype: .float64)
    view = wide[.ellipsis, .slice(1, nil, step: 2)]
    view.copy(from: logical)
  }
  if layout != .contiguous && shape.filter({ $0 > 1 }).count >= 2 { precondition(!view.isContiguous) }
  return view.detached().requiringGrad()
}

/// The parameters of a float64 module, as gradient-check inputs: the check perturbs them in
/// place, and the module reads them, so `f` may ignore its arguments for them.
func parameterInputs(_ module: Module) -> [Tensor] { module.parameters() }

/// Worst gradient-check results, for the summary line each test prints.
final class GradientReport: @unchecked Sendable {
  private let lock = NSLock()
  private var worst = 0.0
  private var worstAbsolute = 0.0
  private var checks = 0
  let name: String
  init(_ name: String) { self.name = name }

  func record(_ r: GradientCheckResult) {
    lock.lock(); defer { lock.unlock() }
    checks += 1
    worst = max(worst, r.worstRatio)
    worstAbsolute = max(worstAbsolute, Swift.abs(r.analytic - r.numeric))
  }

  /// "name: n checks, worst |analytic − numeric| … (ratio to tolerance …)".
  func printSummary() {
    print("\(name): \(checks) gradient checks, worst |analytic − numeric| \(String(format: "%.2e", worstAbsolute)) (\(String(format: "%.1e", worst))× tolerance)")
  }
}

/// Checks autograd's first (and, with `secondOrder`, second) derivatives of `f` against central
/// differences and records the outcome in `report`.
func expectAttentionGradients(_ f: @escaping ([Tensor]) -> Tensor, _ inputs: [Tensor], secondOrder: Bool = true,
                              report: GradientReport, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let first = gradientCheck(f, inputs: inputs)
  report.record(first)
  #expect(first.passed, "\(what): \(first)", sourceLocation: sourceLocation)
  guard secondOrder else { return }
  let second = gradgradCheck(f, inputs: inputs)
  report.record(second)
  #expect(second.passed, "\(what), second order: \(second)", sourceLocation: sourceLocation)
}

/// Largest |a − b| over two tensors of the same shape.
func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Double {
  precondition(a.shape == b.shape, "maxAbsDifference: shapes \(a.shape) and \(b.shape)")
  return zip(a.toDoubles(), b.toDoubles()).reduce(0) { max($0, Swift.abs($1.0 - $1.1)) }
}

/// What an exit test's child process wrote to standard error.
func childError(_ result: ExitTest.Result?) -> String {
  String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}
