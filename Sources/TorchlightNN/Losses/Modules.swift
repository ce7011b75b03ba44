/// Every loss as an object holding its settings (`nn.MSELoss`, `nn.CrossEntropyLoss`, …), so a
/// training loop can be handed "the loss" and call it:
///
///     let lossFn = CrossEntropyLoss(labelSmoothing: 0.1)
///     let loss = lossFn(logits, targets)
///
/// Each one calls the function of the same name with the stored settings, nothing more. They are
/// not `Module`s: a `Module`'s `forward` takes one input and a loss takes two or three, and a loss
/// has no parameters to train (the class weights are fixed settings, not learned).

/// Squared error (`nn.MSELoss`); see `mseLoss`.
public struct MSELoss {
  public var reduction: Reduction
  public init(reduction: Reduction = .mean) { self.reduction = reduction }
  public func callAsFunction(_ predictions: Tensor, _ targets: Tensor) -> Tensor {
    mseLoss(predictions, targets, reduction: reduction)
  }
}

/// Absolute error (`nn.L1Loss`); see `l1Loss`.
public struct L1Loss {
  public var reduction: Reduction
  public init(reduction: Reduction = .mean) { self.reduction = reduction }
  public func callAsFunction(_ predictions: Tensor, _ targets: Tensor) -> Tensor {
    l1Loss(predictions, targets, reduction: reduction)
  }
}

/// Smooth L1 loss (`nn.SmoothL1Loss`); see `smoothL1Loss`.
public struct SmoothL1Loss {
  public var beta: Double
  public var reduction: Reduction
  public init(beta: Double = 1, reduction: Reduction = .mean) { (self.beta, self.reduction) = (beta, reduction) }
  public func callAsFunction(_ predictions: Tensor, _ targets: Tensor) -> Tensor {
    smoothL1Loss(predictions, targets, beta: beta, reduction: reduction)
  }
}

/// Huber loss (`nn.HuberLoss`); see `huberLoss`.
public struct HuberLoss {
  public var delta: Double
  public var reduction: Reduction
  public init(delta: Double = 1, reduction: Reduction = .mean) { (self.delta, self.reduction) = (delta, reduction) }
  public func callAsFunction(_ predictions: Tensor, _ targets: Tensor) -> Tensor {
    huberLoss(predictions, targets, delta: delta, reduction: reduction)
  }
}

/// Poisson negative log-likelihood (`nn.PoissonNLLLoss`); see `poissonNLLLoss`.
public struct PoissonNLLLoss {
  public var logInput: Bool
  public var full: Bool
  public var eps: Double
  public var reduction: Reduction
  public init(logInput: Bool = true, full: Bool = false, eps: Double = 1e-8, reduction: Reduction = .mean) {
    (self.logInput, self.full, self.eps, self.reduction) = (logInput, full, eps, reduction)
  }
  public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
    poissonNLLLoss(input, target, logInput: logInput, full: full, eps: eps, reduction: reduction)
  }
}

/// Cross-entropy on logits (`nn.CrossEntropyLoss`); see `crossEntropy(logits:targets:)`.
public struct CrossEntropyLoss {
  public var weight: Tensor?
  public var ignoreIndex: Int
  public var labelSmoothing: Double
  public var reduction: Reduction
  public init(weight: Tensor? = nil, ignoreIndex: Int = -100, labelSmoothing: Double = 0, reduction: Reduction = .mean) {
    (self.weight, self.ignoreIndex, self.labelSmoothing, self.reduction) = (weight, ignoreIndex, labelSmoothing, reduction)
  }
  public func callAsFunction(_ logits: Tensor, _ targets: Tensor) -> Tensor {
    crossEntropy(logits: logits, targets: targets, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing,
                 reduction: reduction)
  }
}

/// Negative log-likelihood of log-probabilities (`nn.NLLLoss`); see `nllLoss`.
public struct NLLLoss {
  public var weight: Tensor?
  public var ignoreIndex: Int
  public var reduction: Reduction
  public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
    (self.weight, self.ignoreIndex, self.reduction) = (weight, ignoreIndex, reduction)
  }
  public func callAsFunction(_ logProbs: Tensor, _ targets: Tensor) -> Tensor {
    nllLoss(logProbs, targets: targets, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
  }
}

/// Binary cross-entropy on probabilities (`nn.BCELoss`); see `binaryCrossEntropy`.
public struct BCELoss {
  public var weight: Tensor?
  public var reduction: Reduction
  public init(weight: Tensor? = nil, reduction: Reduction = .mean) { (self.weight, self.reduction) = (weight, reduction) }
  public func callAsFunction(_ probs: Tensor, _ targets: Tensor) -> Tensor {
    binaryCrossEntropy(probs, targets, weight: weight, reduction: reduction)
  }
}

/// Binary cross-entropy on logits (`nn.BCEWithLogitsLoss`); see `binaryCrossEntropyWithLogits`.
public struct BCEWithLogitsLoss {
  public var weight: Tensor?
  public var posWeight: Tensor?
  public var reduction: Reduction
  public init(weight: Tensor? = nil, posWeight: Tensor? = nil, reduction: Reduction = .mean) {
    (self.weight, self.posWeight, self.reduction) = (weight, posWeight, reduction)
  }
  public func callAsFunction(_ logits: Tensor, _ targets: Tensor) -> Tensor {
    binaryCrossEntropyWithLogits(logits, targets, weight: weight, posWeight: posWeight, reduction: reduction)
  }
}

/// Kullback–Leibler divergence (`nn.KLDivLoss`); see `klDivLoss`.
public struct KLDivLoss {
  public var reduction: KLDivReduction
  public var logTarget: Bool
  public init(reduction: KLDivReduction = .mean, logTarget: Bool = false) { (self.reduction, self.logTarget) = (reduction, logTarget) }
  public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
    klDivLoss(input, target, reduction: reduction, logTarget: logTarget)
  }
}

/// Ranking hinge (`nn.MarginRankingLoss`); see `marginRankingLoss`.
public struct MarginRankingLoss {
  public var margin: Double
  public var reduction: Reduction
  public init(margin: Double = 0, reduction: Reduction = .mean) { (self.margin, self.reduction) = (margin, reduction) }
  public func callAsFunction(_ x1: Tensor, _ x2: Tensor, _ y: Tensor) -> Tensor {
    marginRankingLoss(x1, x2, y, margin: margin, reduction: reduction)
  }
}

/// Hinge on distances (`nn.HingeEmbeddingLoss`); see `hingeEmbeddingLoss`.
public struct HingeEmbeddingLoss {
  public var margin: Double
  public var reduction: Reduction
  public init(margin: Double = 1, reduction: Reduction = .mean) { (self.margin, self.reduction) = (margin, reduction) }
  public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
    hingeEmbeddingLoss(input, target, margin: margin, reduction: reduction)
  }
}

/// Cosine similarity of pairs (`nn.CosineEmbeddingLoss`); see `cosineEmbeddingLoss`.
public struct CosineEmbeddingLoss {
  public var margin: Double
  public var reduction: Reduction
  public init(margin: Double = 0, reduction: Reduction = .mean) { (self.margin, self.reduction) = (margin, reduction) }
  public func callAsFunction(_ x1: Tensor, _ x2: Tensor, _ y: Tensor) -> Tensor {
    cosineEmbeddingLoss(x1, x2, y, margin: margin, reduction: reduction)
  }
}

/// Logistic loss for ±1 targets (`nn.SoftMarginLoss`); see `softMarginLoss`.
public struct SoftMarginLoss {
  public var reduction: Reduction
  public init(reduction: Reduction = .mean) { self.reduction = reduction }
  public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
    softMarginLoss(input, target, reduction: reduction)
  }
}

/// One-versus-all logistic loss (`nn.MultiLabelSoftMarginLoss`); see `multiLabelSoftMarginLoss`.
public struct MultiLabelSoftMarginLoss {
  public var weight: Tensor?
  public var reduction: Reduction
  public init(weight: Tensor? = nil, reduction: Reduction = .mean) { (self.weight, self.reduction) = (weight, reduction) }
  public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
    multiLabelSoftMarginLoss(input, target, weight: weight, reduction: reduction)
  }
}

/// Multi-class SVM hinge (`nn.MultiMarginLoss`); see `multiMarginLoss`.
public struct MultiMarginLoss {
  public var p: Int
  public var margin: Double
  public var weight: Tensor?
  public var reduction: Reduction
  public init(p: Int = 1, margin: Double = 1, weight: Tensor? = nil, reduction: Reduction = .mean) {
    (self.p, self.margin, self.weight, self.reduction) = (p, margin, weight, reduction)
  }
  public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
    multiMarginLoss(input, target, p: p, margin: margin, weight: weight, reduction: reduction)
  }
}

/// Multi-label hinge (`nn.MultiLabelMarginLoss`); see `multiLabelMarginLoss`.
public struct MultiLabelMarginLoss {
  public var reduction: Reduction
  public init(reduction: Reduction = .mean) { self.reduction = reduction }
  public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
    multiLabelMarginLoss(input, target, reduction: reduction)
  }
}

/// Triplet hinge on distances (`nn.TripletMarginLoss`); see `tripletMarginLoss`.
public struct TripletMarginLoss {
  public var margin: Double
  public var p: Double
  public var eps: Double
  public var swap: Bool
  public var reduction: Reduction
  public init(margin: Double = 1, p: Double = 2, eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) {
    (self.margin, self.p, self.eps, self.swap, self.reduction) = (margin, p, eps, swap, reduction)
  }
  public func callAsFunction(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor) -> Tensor {
    tripletMarginLoss(anchor, positive, negative, margin: margin, p: p, eps: eps, swap: swap, reduction: reduction)
  }
}
