@_exported import Torchlight

/// What every optimizer does: hold parameters, clear their gradients, and update them.
public protocol Optimizer: AnyObject {
  /// The tensors being trained.
  var parameters: [Tensor] { get }
  /// The learning rate; schedulers change it between steps.
  var lr: Double { get set }
  /// Updates every parameter from its `.grad` (parameters without a gradient are skipped).
  func step()
}

extension Optimizer {
  /// Clears every parameter's gradient before the next backward pass (`zero_grad()`).
  public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// Minibatch stochastic gradient descent: θ ← θ − η (∇θ + λθ), with optional weight decay λ
/// (`torch.optim.SGD` without momentum).
public final class SGD: Optimizer {
  public let parameters: [Tensor]
  public var lr: Double
  public var weightDecay: Double

  public init(parameters: [Tensor], lr: Double, weightDecay: Double = 0) {
    precondition(lr >= 0 && lr.isFinite, "SGD: learning rate must be a finite non-negative number, got \(lr)")
    precondition(weightDecay >= 0, "SGD: weight decay must be non-negative, got \(weightDecay)")
    self.parameters = parameters
    self.lr = lr
    self.weightDecay = weightDecay
  }

  public func step() {
    withNoGrad {
      for p in parameters {
        guard let g = p.grad else { continue }
        let direction = weightDecay == 0 ? g : g + weightDecay * p
        p.addInPlace(direction, alpha: -lr)
      }
    }
  }
}
