import ArgumentParser

/// The options of part `gpt`. Their defaults are nanoGPT's CPU recipe for a character model
/// (4 layers, 4 heads, embedding 128, context 64, batch 12, 2000 steps, no dropout, AdamW at
/// 1e-3 with β₂ = 0.99 and weight decay 0.1, 100 warm-up steps then a cosine to 1e-4, gradient
/// norm clipped at 1). The chapter's `--batch-size`, `--lr`, `--layers`, `--heads` and
/// `--dropout` set the translation models and leave the GPT alone.
struct GPTOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Characters of context per training window (nanoGPT's CPU recipe: 64).")
  var blockSize = 64

  @Option(parsing: .unconditional, help: "Rows of the position table, the longest context the model can ever read (at least --block-size).")
  var positions = 64

  @Option(parsing: .unconditional, help: "Transformer blocks.")
  var gptLayers = 4

  @Option(parsing: .unconditional, help: "Attention heads per block.")
  var gptHeads = 4

  @Option(parsing: .unconditional, help: "Embedding size (width of the residual stream).")
  var gptEmbedding = 128

  @Option(parsing: .unconditional, help: "Dropout on embeddings, attention weights and residual branches.")
  var gptDropout = 0.0

  @Flag(help: "Give the model its own output layer instead of reusing the token embedding.")
  var untied = false

  @Option(parsing: .unconditional, help: "Training steps; the cosine reaches --min-lr at the last.")
  var steps = 2000

  @Option(parsing: .unconditional, help: "Windows per step.")
  var gptBatchSize = 12

  @Option(parsing: .unconditional, help: "Peak learning rate of AdamW.")
  var gptLr = 1e-3

  @Option(parsing: .unconditional, help: "Learning rate at the end of the cosine.")
  var minLr = 1e-4

  @Option(parsing: .unconditional, help: "Steps of linear warm-up.")
  var warmup = 100

  @Option(parsing: .unconditional, help: "AdamW's decoupled weight decay on the matrices (not on biases or LayerNorm).")
  var weightDecay = 0.1

  @Option(parsing: .unconditional, help: "AdamW's β₂.")
  var beta2 = 0.99

  @Option(parsing: .unconditional, help: "Largest total gradient norm (0: no clipping).")
  var gradClip = 1.0

  @Option(parsing: .unconditional, help: "Steps between two held-out losses (and printed lines).")
  var evalInterval = 200

  @Option(help: "Text to continue once trained (characters of the book only).")
  var prompt = "Sherlock Holmes "

  @Option(parsing: .unconditional, help: "Characters to generate after the prompt.")
  var sampleLength = 500

  @Option(parsing: .unconditional, help: "Sampling temperature τ > 0 (below 1: safer, above 1: wilder).")
  var temperature = 0.8

  @Option(parsing: .unconditional, help: "Sample only among the k most likely characters (0: all of them).")
  var topK = 20

  /// The rows of the position table.
  var positionTable: Int { positions }

  func validate() throws {
    guard blockSize >= 1 else { throw ValidationError("--block-size must be at least 1, got \(blockSize)") }
    guard positionTable >= 1 else { throw ValidationError("--positions must be at least 1, got \(positionTable)") }
    guard blockSize <= positionTable else {
      throw ValidationError("--block-size \(blockSize) is larger than the position table (--positions \(positionTable)): the model has no embedding for positions \(positionTable)…\(blockSize - 1); raise --positions or shorten --block-size")
    }
    guard gptLayers >= 1 else { throw ValidationError("--gpt-layers must be at least 1, got \(gptLayers)") }
    guard gptHeads >= 1, gptEmbedding >= 1, gptEmbedding % gptHeads == 0 else {
      throw ValidationError("--gpt-heads \(gptHeads) must be at least 1 and divide --gpt-embedding \(gptEmbedding)")
    }
    guard gptDropout >= 0, gptDropout < 1 else { throw ValidationError("--gpt-dropout must lie in [0, 1), got \(gptDropout)") }
    guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
    guard gptBatchSize >= 1 else { throw ValidationError("--gpt-batch-size must be at least 1, got \(gptBatchSize)") }
    for (name, value) in [("--gpt-lr", gptLr), ("--min-lr", minLr), ("--weight-decay", weightDecay), ("--grad-clip", gradClip)] {
      guard value.isFinite, value >= 0 else { throw ValidationError("\(name) must be a finite non-negative number, got \(value)") }
    }
    guard minLr <= gptLr else { throw ValidationError("--min-lr \(minLr) must not exceed --gpt-lr \(gptLr)") }
    guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more, got \(warmup)") }
    guard beta2 >= 0, beta2 < 1 else { throw ValidationError("--beta2 must lie in [0, 1), got \(beta2)") }
    guard evalInterval >= 1 else { throw ValidationError("--eval-interval must be at least 1, got \(evalInterval)") }
    guard !prompt.isEmpty else { throw ValidationError("--prompt needs at least one character") }
    guard sampleLength >= 0 else { throw ValidationError("--sample-length must be 0 or more, got \(sampleLength)") }
    guard temperature > 0, temperature.isFinite else {
      throw ValidationError("--temperature must be a positive number, got \(temperature) (use a small value such as 0.1 for near-greedy sampling)")
    }
    guard topK >= 0 else { throw ValidationError("--top-k must be 0 (all characters) or more, got \(topK)") }
  }
}
