import Foundation
import Testing
@testable import Torchlight

@Suite("Autograd engine") struct AutogradEngineTests {
  /// y = (x + w) · (w + 1), the graph from the notes: names, leaves, and the gradients by hand.
  @Test func graphOfTheNotesExample() {
    let x = Tensor([2.0]).requiringGrad(), w = Tensor([3.0]).requiringGrad()
    let a = x + w, b = w + 1
    let y = a * b
    #expect(y.gradFn?.name == "MulBackward")
    #expect(y.gradFn?.nextFunctions.map { $0?.name } == ["AddBackward", "AddBackward"])
    #expect(x.isLeaf && w.isLeaf && !a.isLeaf && !y.isLeaf)
    #expect(y.requiresGrad)
    y.backward()
    // ∂y/∂x = w + 1 = 4; ∂y/∂w = (w + 1) + (x + w) = 9.
    #expect(x.grad?.item() == 4)
    #expect(w.grad?.item() == 9)
    #expect(a.grad == nil, "non-leaves keep no grad unless retainGrad() was called")
  }

  @Test func gradientsAccumulateUntilZeroed() {
    let x = Tensor([1.0, 2.0]).requiringGrad()
    let y = (x * x).sum()
    y.backward(retainGraph: true)
    y.backward()
    #expect(x.grad?.toDoubles() == [4, 8])  // 2 · 2x
    x.zeroGrad()
    #expect(x.grad == nil)
    (x * 3).sum().backward()
    #expect(x.grad?.toDoubles() == [3, 3])
  }

  @Test func broadcastGradientsAreSummedBackToTheInputShape() {
    let bias = Tensor([1.0, 2.0, 3.0]).requiringGrad()
    let x = Tensor.ones([4, 3])
    (x + bias).sum().backward()
    #expect(bias.grad?.shape == [3])
    #expect(bias.grad?.toDoubles() == [4, 4, 4])
  }

  @Test func retainGradAndHooks() {
    let x = Tensor([1.0, -2.0]).requiringGrad()
    let h = x * 3
    h.retainGrad()
    var seen: [Double] = []
    h.registerHook { g in seen = g.toDoubles(); return nil }
    x.registerHook { g in g * 10 }  // replaces the leaf's gradient
    (h * h).sum().backward()
    #expect(h.grad?.toDoubles() == [6, -12])  // 2h
    #expect(seen == [6, -12])
    #expect(x.grad?.toDoubles() == [180, -360])  // 10 · 3 · 2h
  }

  @Test func leafHooksRunOnceOnTheTotalGradient() {
    // w reaches the loss along two paths; a non-linear hook must see the sum, once.
    let w = Tensor([3.0]).requiringGrad()
    var calls: [Double] = []
    w.registerHook { g in calls.append(g.item()); return g.clamp(max: 4.5) }
    ((w * 2) + (w * 5)).sum().backward()
    #expect(calls == [7])
    #expect(w.grad?.item() == 4.5)
    // The functional form runs the hooks too.
    let g = grad(of: ((w * 2) + (w * 5)).sum(), with: [w])
    #expect(g[0]?.item() == 4.5 && calls == [7, 7])
  }

  @Test func noGradAndDetach() {
    let w = Tensor([2.0]).requiringGrad()
    let y = withNoGrad { w * 3 }
    #expect(y.gradFn == nil && !y.requiresGrad)
    #expect(GradMode.isEnabled)
    let product = w * 3
    let z = product.detached()
    #expect(z.isLeaf && !z.requiresGrad)
    #expect(z.storage === product.storage, "detached shares the storage")
    let inner = withNoGrad { withGrad { w * 2 } }
    #expect(inner.gradFn?.name == "MulBackward")
  }

  @Test func functionalGradLeavesDotGradAlone() {
    let x = Tensor([3.0]).requiringGrad()
    let y = x * x * x
    let g = grad(of: y, with: [x])
    #expect(g[0]?.item() == 27)
    #expect(x.grad == nil)
  }

  @Test func higherOrderDerivatives() {
    // d/dx x³ = 3x², d² = 6x, d³ = 6.
    let x = Tensor([2.0]).requiringGrad()
    let y = x * x * x
    let d1 = grad(of: y, with: [x], createGraph: true)[0]!
    let d2 = grad(of: d1, with: [x], createGraph: true)[0]!
    let d3 = grad(of: d2, with: [x])[0]!
    #expect(d1.item() == 12 && d2.item() == 12 && d3.item() == 6)
    // tanh' = 1 − tanh², tanh'' = −2 tanh (1 − tanh²).
    let t = Tensor([0.5]).double().requiringGrad()
    let u = t.tanh()
    let t1 = grad(of: u, with: [t], createGraph: true)[0]!
    let t2 = grad(of: t1, with: [t])[0]!
    let th = Foundation.tanh(0.5)
    #expect(Swift.abs(t1.item() - (1 - th * th)) < 1e-12)
    #expect(Swift.abs(t2.item() - (-2 * th * (1 - th * th))) < 1e-12)
  }

  @Test func graphIsFreedAfterBackward() {
    weak var node: Node?
    let x = Tensor([1.0, 2.0]).requiringGrad()
    do {
      let y = (x.exp() * 2).sum()
      node = y.gradFn
      y.backward()
      #expect(y.gradFn?.isReleased == true)
    }
    #expect(node == nil, "the graph must not outlive its output")
  }

  @Test func memoryStaysFlatOverManySteps() async {
    // A small training loop, 10,000 steps: nodes must be freed, so resident memory stays flat.
    // It runs in a child process of its own, so tests running in parallel cannot move its
    // resident size; the child exits with failure if memory grew.
    await #expect(processExitsWith: .success) {
      let w = Tensor.randn([16, 16], generator: Generator(seed: 1)).requiringGrad()
      let x = Tensor.randn([8, 16], generator: Generator(seed: 2))
      func step() {
        let loss = (x.matmul(w).tanh() * 0.5).pow(2).mean()
        loss.backward()
        withNoGrad { w -= w.grad! * 0.01 }
        w.zeroGrad()
      }
      for _ in 0..<500 { step() }
      let before = residentBytes()
      for _ in 0..<10_000 { step() }
      let growth = residentBytes() - before
      if growth >= 8 << 20 {
        FileHandle.standardError.write(Data("resident memory grew by \(growth >> 10) KiB over 10,000 steps\n".utf8))
        exit(1)
      }
    }
  }

  // MARK: Errors stop with PyTorch's explanations

  @Test func backwardTwiceThroughAFreedGraphStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor([1.0]).requiringGrad()
      let y = (x * x).sum()
      y.backward()
      y.backward()
    }
    #expect(stderrText(result).contains("second time"))
  }

  @Test func backwardOfANonScalarNeedsAGradient() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      (Tensor([1.0, 2.0]).requiringGrad() * 2).backward()
    }
    #expect(stderrText(result).contains("only for a one-element output"))
  }

  @Test func backwardOfATensorWithoutGradStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { Tensor([1.0]).backward() }
    #expect(stderrText(result).contains("does not require grad"))
  }

  @Test func inPlaceOnALeafThatRequiresGradStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let w = Tensor([1.0]).requiringGrad()
      w += 1
    }
    #expect(stderrText(result).contains("leaf tensor that requires grad"))
  }

  @Test func modifyingASavedTensorIsDetectedAtBackward() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor([1.0, 2.0]).requiringGrad()
      let h = x * 1
      let saved = h.detached()
      let y = (h * h).sum()  // MulBackward saves h
      saved += 1             // changes h's storage behind autograd's back
      y.backward()
    }
    #expect(stderrText(result).contains("modified by an in-place operation"))
  }

  @Test func anomalyModeNamesTheOp() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor([-1.0]).requiringGrad()
      withAnomalyDetection { _ = x.log() }
    }
    #expect(stderrText(result).contains("forward pass of Log produced NaN"))
  }
}

/// What an exit test's child process wrote to standard error.
func stderrText(_ result: ExitTest.Result?) -> String {
  String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}

/// Resident set size of this process, from /proc.
func residentBytes() -> Int {
  guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
        let pages = Int(text.split(separator: " ")[1]) else { return 0 }
  return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
