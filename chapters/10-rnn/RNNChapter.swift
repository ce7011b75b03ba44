import ArgumentParser
import ChapterKit
import Foundation
import TorchlightPlot

/// The defaults shown by `--help`. `--epochs` and `--batch-size` set the character language
/// models, `--lr` the scratch model's rate: d2l v1.0 §9.5's batch 1024, lr 1 (the library
/// networks take d2l's rate for each: 1 for the RNN, 4 for GRU and LSTM, 2 for the deep GRU). Its 100 epochs of 10 batches are 1,000
/// updates; an epoch of our text (three times longer) is 14 batches, so 70 epochs make the same
/// 980-odd updates on as many tokens, in a minute and a half on one core.
enum Defaults: ChapterDefaults {
  static let chapter = "rnn"
  static let epochs = 70
  static let batchSize = 1024
  static let lr = 1.0
  static let resumable = true
  static let checkpointUnit = "the taggers count one epoch per pass over the text"
}

/// The parts of the chapter, in the textbook's order: sequence models (§9.1), text and Zipf's law
/// (§9.2), the RNN from scratch (§9.5) and with the library (§9.6), backpropagation through time
/// and its exploding and vanishing gradients (§9.7), then the modern recurrent networks (ch. 10).
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, sine, text, scratch, concise, gradients, compare
}

/// The recurrent network `--part concise` trains.
enum RecurrentModel: String, ExpressibleByArgument, CaseIterable {
  case rnn, gru, lstm, deepGRU = "deep-gru", biGRU = "bi-gru"
}

/// `swift run -c release rnn`: a noisy sine predicted from its past, the statistics of English
/// text, and a character-level recurrent language model written from tensors, then the
/// exploding and vanishing gradients of backpropagation through time.
struct RNNChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rnn",
    abstract: "Recurrent neural networks: autoregressive models of a noisy sine, Zipf's law, a character RNN from scratch on Sherlock Holmes, exploding and vanishing gradients (chapter 10).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Which part to run: all, sine (autoregression on a noisy sine), text (tokens, vocabularies, Zipf's law), scratch (the character RNN from tensors), concise (the same with a library module, see --model), gradients (∂loss/∂h_t back through 100 steps), compare (RNN, GRU, LSTM side by side). (default: all)",
          transform: choice(Part.self))
  var part: Part = .all

  @Option(help: "Recurrent network of --part concise: rnn, gru, lstm, deep-gru (two layers) or bi-gru (bidirectional, on a tagging task: it cannot be a language model). (default: rnn)",
          transform: choice(RecurrentModel.self))
  var model: RecurrentModel = .rnn

  @Option(parsing: .unconditional, help: "Characters per subsequence: the length of backpropagation through time.")
  var numSteps = 32

  @Option(parsing: .unconditional, help: "Hidden units of the character RNN.")
  var hiddens = 32

  @Option(help: "Text the language model continues, every --sample-every epochs.")
  var prefix = "it is a "

  @Option(parsing: .unconditional, help: "Epochs between two printed continuations of --prefix.")
  var sampleEvery = 10

  @Option(parsing: .unconditional, help: "Epochs of the autoregressive models on the sine (the textbook's 5).")
  var sineEpochs = 5

  func validate() throws {
    guard numSteps >= 1 else { throw ValidationError("--num-steps must be at least 1, got \(numSteps)") }
    guard hiddens >= 1 else { throw ValidationError("--hiddens must be at least 1, got \(hiddens)") }
    guard sampleEvery >= 1 else { throw ValidationError("--sample-every must be at least 1, got \(sampleEvery)") }
    guard sineEpochs >= 1 else { throw ValidationError("--sine-epochs must be at least 1, got \(sineEpochs)") }
    guard !prefix.isEmpty else { throw ValidationError("--prefix must hold at least one character") }
  }

  /// With `--quick`: the first 60,000 characters, batch 32 × 16 steps, 2 epochs.
  static let quickCharacters = 60_000

  /// The training settings of the language models, cut down by `--quick`.
  var languageModelSettings: LanguageModelSettings {
    LanguageModelSettings(epochs: options.quick ? min(options.epochs, 2) : options.epochs,
                          batchSize: options.quick ? min(options.batchSize, 32) : options.batchSize,
                          numSteps: options.quick ? min(numSteps, 16) : numSteps, prefix: prefix, sampleEvery: options.quick ? 1 : sampleEvery, seed: options.seed)
  }

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let runs = { (p: Part) in part == .all || part == p }

    // The book first, so a missing file stops the run before anything is printed or drawn.
    let needsBook = [Part.text, .scratch, .concise, .compare].contains(where: runs)
    let book = needsBook ? try readBook(options.dataDir) : nil
    let corpus = book.map { CharCorpus($0, limit: options.quick ? Self.quickCharacters : .max) }

    if runs(.sine) { try runSinePart(self, plotter) }
    if let book, runs(.text) { try runTextPart(self, plotter, book: book) }
    if let corpus, runs(.scratch) { try runScratchPart(self, plotter, corpus: corpus) }
    // The whole chapter trains the library RNN once, in the comparison; --part concise alone
    // trains the network --model names.
    if let corpus, part == .concise { try runConcisePart(self, plotter, corpus: corpus) }
    if runs(.gradients) { try runGradientsPart(self, plotter) }
    if let corpus, runs(.compare) { try runComparePart(self, plotter, corpus: corpus) }

    print("\n" + plotter.summary())
  }
}
