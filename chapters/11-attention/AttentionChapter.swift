import ArgumentParser
import ChapterKit
import Foundation
import TorchlightData
import TorchlightPlot

/// The defaults shown by `--help`. `--epochs`, `--batch-size` and `--lr` set the three
/// translation models (d2l's batch 128 and Adam 0.005 for the GRU models; the Transformer has
/// its own `--transformer-lr`, d2l's 0.001). 8 epochs of the three models at 128 hidden units
/// take about 12 minutes on one core (the chapter's page says why these sizes).
enum Defaults: ChapterDefaults {
  static let chapter = "attention"
  static let epochs = 8
  static let batchSize = 128
  static let lr = 0.005
  static let resumable = true
  static let checkpointUnit = "the GPT part counts one epoch per line it prints (every --eval-interval steps)"
}

/// The parts of the chapter, in the textbook's order: attention as kernel regression (§11.2),
/// scoring functions and the masked softmax (§11.3), multi-head attention and positional
/// encoding (§11.5–11.6), then translation with an RNN encoder–decoder (§10.7), with Bahdanau
/// attention (§11.4) and with a Transformer (§11.7). `all` runs these; the character GPT
/// (`gpt`, about seven minutes), the Vision Transformer (`vit`, §11.8) and the ViT taught by a
/// ResNet (`distill`) run only when asked for.
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, nadarayaWatson = "nadaraya-watson", scoring, multihead, seq2seq, bahdanau, transformer, gpt, vit, distill

  /// Parts that `all` leaves out: each trains for minutes on its own.
  var isStandalone: Bool { [.gpt, .vit, .distill].contains(self) }
}

/// `swift run -c release attention`: Nadaraya–Watson regression as attention, attention scoring
/// functions, multi-head attention and positional encoding, then English → German translation
/// with three encoder–decoders on the same budget, scored by BLEU on 500 held-out sentences.
/// `--part gpt`: a character-level GPT on Sherlock Holmes, and text sampled from it.
/// `--part vit`: a Vision Transformer on Fashion-MNIST; `--part distill`: the same ViT with
/// chapter 09's ResNet as its teacher.
struct AttentionChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attention",
    abstract: "Attention: Nadaraya–Watson kernel regression, additive and dot-product scoring, multi-head attention, positional encoding, and English→German translation with a GRU encoder–decoder, Bahdanau attention and a Transformer, scored by BLEU; with --part gpt, a character-level GPT trained on Sherlock Holmes with nanoGPT's CPU recipe; with --part vit, a Vision Transformer on Fashion-MNIST, and with --part distill the same ViT taught by chapter 09's ResNet (chapter 11).")

  @OptionGroup var options: ChapterOptions<Defaults>


  @Option(help: "Which part to run: all, nadaraya-watson (kernel regression as attention), scoring (masked softmax, additive and dot-product attention), multihead (multi-head attention shapes and weights, positional encoding), seq2seq (GRU encoder–decoder), bahdanau (the same with additive attention), transformer; or gpt (a character GPT on Sherlock Holmes, set by the CHARACTER GPT options), vit (a Vision Transformer on Fashion-MNIST) or distill (the ViT with a ResNet teacher), set by the VISION TRANSFORMER options; these three are not part of all. (default: all)",
          transform: choice(Part.self))
  var part: Part = .all

  @Option(parsing: .unconditional, help: "Embedding size and hidden units of every translation model (d2l: 256; see the chapter's page for why less).")
  var hiddens = 128

  @Option(parsing: .unconditional, help: "Layers of the GRUs, and blocks of the Transformer's encoder and decoder (d2l: 2).")
  var layers = 2

  @Option(parsing: .unconditional, help: "Attention heads of the Transformer (d2l: 4).")
  var heads = 4

  @Option(parsing: .unconditional, help: "Dropout of every translation model (d2l: 0.2).")
  var dropout = 0.2

  @Option(parsing: .unconditional, help: "Learning rate of the Transformer's Adam (d2l: 0.001); --lr sets the two GRU models'.")
  var transformerLr = 0.001

  @Option(parsing: .unconditional, help: "Tokens per sentence, <eos> included: longer ones are cut, shorter ones padded.")
  var numSteps = 12

  @Option(parsing: .unconditional, help: "Beam size of decoding (1: greedy).")
  var beam = 1

  @Option(help: "An English sentence to translate with every trained model.")
  var translate: String?

  @OptionGroup(title: "Character GPT (--part gpt)") var gpt: GPTOptions

  @OptionGroup(title: "Vision Transformer (--part vit, --part distill)") var vit: ViTOptions

  func validate() throws {
    guard hiddens >= 1 else { throw ValidationError("--hiddens must be at least 1, got \(hiddens)") }
    guard layers >= 1 else { throw ValidationError("--layers must be at least 1, got \(layers)") }
    guard heads >= 1, hiddens % heads == 0 else {
      throw ValidationError("--heads must be at least 1 and divide --hiddens \(hiddens), got \(heads)")
    }
    guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must lie in [0, 1), got \(dropout)") }
    guard transformerLr.isFinite, transformerLr >= 0 else {
      throw ValidationError("--transformer-lr must be a finite non-negative number, got \(transformerLr)")
    }
    guard numSteps >= 2 else { throw ValidationError("--num-steps must be at least 2, got \(numSteps)") }
    guard beam >= 1 else { throw ValidationError("--beam must be at least 1, got \(beam)") }
    if let translate, wordsAndPunctuation(translate).isEmpty {
      throw ValidationError("--translate needs an English sentence, got \"\(translate)\"")
    }
  }

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let runs = { (p: Part) in (part == .all && !p.isStandalone) || part == p }
    let translation = [Part.seq2seq, .bahdanau, .transformer].filter(runs)

    // The sentence pairs first, so a missing file stops the run before anything is printed.
    let data = translation.isEmpty ? nil : try TranslationData(self)

    if runs(.nadarayaWatson) { try runNadarayaWatsonPart(self, plotter) }
    if runs(.scoring) { try runScoringPart(self, plotter) }
    if runs(.multihead) { try runMultiheadPart(self, plotter) }
    if let data { try runTranslationParts(translation.map { TranslationModelKind($0) }, self, plotter, data: data) }
    if runs(.gpt) { try runGPTPart(self, plotter) }
    if runs(.vit) { try runViTPart(self, plotter, teacher: false) }
    if runs(.distill) { try runViTPart(self, plotter, teacher: true) }

    print("\n" + plotter.summary())
  }
}
