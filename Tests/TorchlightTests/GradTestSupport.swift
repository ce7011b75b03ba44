import Testing
@testable import Torchlight

/// How a gradient-check input is laid out in memory. Every op is checked on each layout, because
/// backward code that silently assumes contiguous memory is a classic bug.
enum GradLayout: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case contiguous, transposed, strided, offset
  var testDescription: String { rawValue }
}

/// A float64 leaf of `shape` holding seeded values in `range`, laid out as `layout`: the same
/// logical tensor, but a transposed view, a step-2 slice, or a slice that starts at an offset.
/// With `awayFrom`, values closer than 0.2 to that point are pushed off it (for kinks and poles).
func gradLeaf(_ shape: [Int], _ layout: GradLayout, seed: UInt64, range: ClosedRange<Double> = -2...2,
              awayFrom kink: Double? = nil) -> Tensor {
  let g = Generator(seed: seed)
  var values = Tensor.uniform([Layout.count(shape)], low: range.lowerBound, high: range.upperBound,
                              dtype: .float64, generator: g).toArray(Double.self)
  if let kink {
    values = values.map { Swift.abs($0 - kink) < 0.2 ? ($0 < kink ? kink - 0.2 - Swift.abs($0 - kink) : kink + 0.2 + Swift.abs($0 - kink)) : $0 }
  }
  let logical = Tensor(values, shape: shape, dtype: .float64)
  let view: Tensor
  switch layout {
  case .contiguous:
    view = logical
  case .transposed where shape.count >= 2:
    let reversedAxes = Array((0..<shape.count).reversed())
    view = logical.permuted(reversedAxes).contiguous().permuted(reversedAxes)
  case .transposed, .strided:
    // Every element of the last axis sits two slots apart.
    let wide = Tensor.zeros(Array(shape.dropLast()) + [2 * (shape.last ?? 1)], dtype: .float64)
    let picked = shape.isEmpty ? wide[1] : wide[.ellipsis, .slice(0, nil, step: 2)]
    picked.copy(from: logical)
    view = picked
  case .offset:
    let big = Tensor.zeros([Layout.count(shape) + 5], dtype: .float64)
    let picked = big[3..<(3 + Layout.count(shape))].view(shape)
    picked.copy(from: logical)
    view = picked
  }
  if layout == .transposed || layout == .strided, shape.filter({ $0 > 1 }).count >= 1, shape.last! > 1 || layout == .transposed && shape.filter({ $0 > 1 }).count >= 2 {
    precondition(!view.isContiguous, "gradLeaf: \(layout) layout of \(shape) came out contiguous")
  }
  return view.detached().requiringGrad()
}

/// Asserts that autograd's gradient of `f` matches central differences on `inputs`.
func expectGradients(_ f: @escaping ([Tensor]) -> Tensor, _ inputs: [Tensor], secondOrder: Bool = false,
                     sourceLocation: SourceLocation = #_sourceLocation) {
  let first = gradientCheck(f, inputs: inputs)
  #expect(first.passed, "\(first)", sourceLocation: sourceLocation)
  if secondOrder {
    let second = gradgradCheck(f, inputs: inputs)
    #expect(second.passed, "second order: \(second)", sourceLocation: sourceLocation)
  }
}
