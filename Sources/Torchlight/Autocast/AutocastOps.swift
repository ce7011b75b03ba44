/// What autocast does to an op's inputs.
public enum AutocastPolicy: Sendable {
  /// Cast to the scope's low format (float16 or bfloat16): the products that dominate the time.
  case lowerPrecision
  /// Cast to float32: ops whose rounding in a 2-byte format would hurt (exponentials and their
  /// sums, normalisation statistics, losses, long reductions).
  case float32
}

/// The ops autocast changes, one case per op, mirroring PyTorch's CPU autocast lists
/// (`autocast_mode.cpp`: `lower_precision_fp` and `fp32` for the CPU). Ops named in no list run in
/// their inputs' dtype. Each op calls `Autocast.inputs(of:_:)` first thing; a test per case checks
/// that it does.
public enum AutocastOp: String, CaseIterable, Sendable {
  // PyTorch's CPU lower_precision_fp list
  case matmul, linear, conv1d, conv2d, convTranspose2d, prelu, scaledDotProductAttention
  // PyTorch's CPU fp32 list
  case prod, maxUnpool2d, mseLoss, l1Loss, smoothL1Loss, huberLoss, crossEntropy, nllLoss, klDivLoss,
       binaryCrossEntropy, binaryCrossEntropyWithLogits, poissonNLLLoss, marginRankingLoss, hingeEmbeddingLoss,
       softMarginLoss, cosineEmbeddingLoss, tripletMarginLoss, multiLabelMarginLoss
  // In PyTorch's CUDA fp32 list only (its CPU kernels of these compute in float internally);
  // here they are in float32 on the CPU too, as Torchlight's kernels round their output.
  case softmax, logSoftmax, layerNorm, groupNorm, sum, logsumexp

  public var policy: AutocastPolicy {
    switch self {
    case .matmul, .linear, .conv1d, .conv2d, .convTranspose2d, .prelu, .scaledDotProductAttention: .lowerPrecision
    default: .float32
    }
  }

  /// The op's name in PyTorch's autocast lists.
  public var pytorchName: String {
    switch self {
    case .matmul: "mm, bmm, matmul"
    case .linear: "linear, addmm"
    case .conv1d: "conv1d"
    case .conv2d: "conv2d"
    case .convTranspose2d: "conv_transpose2d"
    case .prelu: "prelu"
    case .scaledDotProductAttention: "scaled_dot_product_attention"
    case .prod: "prod"
    case .maxUnpool2d: "max_unpool2d"
    case .mseLoss: "mse_loss"
    case .l1Loss: "l1_loss"
    case .smoothL1Loss: "smooth_l1_loss"
    case .huberLoss: "huber_loss"
    case .crossEntropy: "cross_entropy_loss"
    case .nllLoss: "nll_loss"
    case .klDivLoss: "kl_div"
    case .binaryCrossEntropy: "binary_cross_entropy"
    case .binaryCrossEntropyWithLogits: "binary_cross_entropy_with_logits"
    case .poissonNLLLoss: "poisson_nll_loss"
    case .marginRankingLoss: "margin_ranking_loss"
    case .hingeEmbeddingLoss: "hinge_embedding_loss"
    case .softMarginLoss: "soft_margin_loss"
    case .cosineEmbeddingLoss: "cosine_embedding_loss"
    case .tripletMarginLoss: "triplet_margin_loss"
    case .multiLabelMarginLoss: "multilabel_margin_loss"
    case .softmax: "softmax (CUDA list)"
    case .logSoftmax: "log_softmax (CUDA list)"
    case .layerNorm: "layer_norm (CUDA list)"
    case .groupNorm: "group_norm (CUDA list)"
    case .sum: "sum (CUDA list)"
    case .logsumexp: "logsumexp (CUDA list)"
    }
  }
}
