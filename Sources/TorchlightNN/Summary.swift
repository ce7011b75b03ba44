import Foundation

extension Module {
  /// A table of every leaf layer with its output shape and parameter count for an input of
  /// `inputShape`, and the totals (like `torchsummary`). It runs one forward pass on zeros, in
  /// evaluation mode and without recording a graph, then restores the mode.
  public func summary(inputShape: [Int], dtype: DType = Tensor.defaultDType) -> String {
    var rows: [(name: String, type: String, shape: [Int], parameters: Int)] = []
    let wasTraining = isTraining
    eval()
    var handles: [HookHandle] = []
    for (name, module) in namedModules() where module.children().isEmpty {
      handles.append(module.registerForwardHook { m, _, output in
        rows.append((name.isEmpty ? "(model)" : name, String(describing: type(of: m)), output.shape,
                     m.namedLocalParameters().reduce(0) { $0 + $1.1.count }))
        return nil
      })
    }
    let output = withNoGrad { self(Tensor.zeros(inputShape, dtype: dtype)) }
    handles.forEach { $0.remove() }
    train(wasTraining)

    func grouped(_ n: Int) -> String {
      let digits = Array(String(n))
      return String(digits.enumerated().flatMap { i, c in (i > 0 && (digits.count - i) % 3 == 0) ? [",", c] : [c] })
    }
    let header = ("Layer (type)", "Output shape", "Param #")
    let cells = rows.map { ("\($0.name) (\($0.type))", "\($0.shape)", grouped($0.parameters)) }
    let w0 = max(header.0.count, cells.map(\.0.count).max() ?? 0) + 2
    let w1 = max(header.1.count, cells.map(\.1.count).max() ?? 0) + 2
    func line(_ a: String, _ b: String, _ c: String) -> String {
      a.padding(toLength: w0, withPad: " ", startingAt: 0) + b.padding(toLength: w1, withPad: " ", startingAt: 0) + c
    }
    let rule = String(repeating: "─", count: w0 + w1 + 12)
    var text = [rule, line(header.0, header.1, header.2), rule] + cells.map { line($0.0, $0.1, $0.2) }
    text += [rule, "Input shape: \(inputShape)   output shape: \(output.shape)",
             "Total params: \(grouped(parameterCount))",
             "Trainable params: \(grouped(trainableParameterCount))",
             "Non-trainable params: \(grouped(parameterCount - trainableParameterCount))", rule]
    return text.joined(separator: "\n")
  }
}
