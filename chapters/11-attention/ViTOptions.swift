import ArgumentParser

/// The options of parts `vit` and `distill`. The defaults are sized to this book's CPU budget
/// (about eight minutes of training on one core): 28×28 images in 7×7 patches, so 16 tokens
/// plus the class token, width 64, 4 blocks of 4 heads, MLP 128; AdamW at 2e-3 with weight
/// decay 0.05, linear warm-up then a cosine to 0, batch 128. The chapter's page says why 7
/// rather than 4.
struct ViTOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Side P of the square patches; it must divide 28 (2, 4, 7, 14). 28/P patches a side, (28/P)² tokens.")
  var patchSize = 7

  @Option(parsing: .unconditional, help: "Token width E of the ViT.")
  var vitDim = 64

  @Option(parsing: .unconditional, help: "Encoder blocks of the ViT.")
  var vitDepth = 4

  @Option(parsing: .unconditional, help: "Attention heads per block (must divide --vit-dim).")
  var vitHeads = 4

  @Option(parsing: .unconditional, help: "Hidden width of each block's MLP.")
  var vitMlp = 128

  @Option(parsing: .unconditional, help: "Dropout on embeddings, attention weights and residual branches.")
  var vitDropout = 0.0

  @Option(parsing: .unconditional, help: "Epochs of ViT training.")
  var vitEpochs = 10

  @Option(parsing: .unconditional, help: "Images per ViT step.")
  var vitBatchSize = 128

  @Option(parsing: .unconditional, help: "Peak learning rate of AdamW.")
  var vitLr = 2e-3

  @Option(parsing: .unconditional, help: "AdamW's decoupled weight decay on the matrices.")
  var vitWeightDecay = 0.05

  @Option(parsing: .unconditional, help: "Steps of linear warm-up before the cosine decay to 0.")
  var vitWarmup = 200

  @Option(parsing: .unconditional, help: "Epochs of the ResNet teacher (chapter 09's model and recipe) when no checkpoint of it exists yet.")
  var teacherEpochs = 2

  @Option(parsing: .unconditional, help: "Temperature T of the soft targets (--part distill).")
  var distillTemperature = 4.0

  @Option(parsing: .unconditional, help: "Weight α of the teacher's soft targets; 1 − α goes to the labels (--part distill).")
  var distillAlpha = 0.5

  func validate() throws {
    guard patchSize >= 1, 28 % patchSize == 0 else {
      throw ValidationError("--patch-size \(patchSize) does not divide the 28-pixel side of a Fashion-MNIST image; use 2, 4, 7 or 14")
    }
    guard vitDim >= 1, vitHeads >= 1, vitDim % vitHeads == 0 else {
      throw ValidationError("--vit-heads \(vitHeads) must be at least 1 and divide --vit-dim \(vitDim)")
    }
    for (name, value) in [("--vit-depth", vitDepth), ("--vit-mlp", vitMlp), ("--vit-epochs", vitEpochs),
                          ("--vit-batch-size", vitBatchSize), ("--teacher-epochs", teacherEpochs)] {
      guard value >= 1 else { throw ValidationError("\(name) must be at least 1, got \(value)") }
    }
    guard vitDropout >= 0, vitDropout < 1 else { throw ValidationError("--vit-dropout must lie in [0, 1), got \(vitDropout)") }
    for (name, value) in [("--vit-lr", vitLr), ("--vit-weight-decay", vitWeightDecay)] {
      guard value.isFinite, value >= 0 else { throw ValidationError("\(name) must be a finite non-negative number, got \(value)") }
    }
    guard vitWarmup >= 0 else { throw ValidationError("--vit-warmup must be 0 or more, got \(vitWarmup)") }
    guard distillTemperature > 0, distillTemperature.isFinite else {
      throw ValidationError("--distill-temperature must be a positive number, got \(distillTemperature)")
    }
    guard (0...1).contains(distillAlpha) else { throw ValidationError("--distill-alpha must lie in [0, 1], got \(distillAlpha)") }
  }
}
