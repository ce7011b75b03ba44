import ArgumentParser
import ChapterKit
import Foundation
import TorchlightPlot

/// The defaults shown by `--help`. `--epochs` applies to both networks; without it the MLP
/// trains for 10 epochs (chapter 05's) and LeNet for 5 (chapter 07 trains it for 10), so that
/// the eight training runs fit in about ten minutes on two cores. `--lr` is the MLP's rate;
/// LeNet keeps chapter 07's 0.9.
enum Defaults: ChapterDefaults {
  static let chapter = "precision"
  static let epochs = 10
  static let batchSize = 256
  static let lr = 0.1
}

/// The parts, in the order of the chapter's page.
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, formats, arithmetic, training
}

/// `swift run -c release precision`: the number line of float32, float16 and bfloat16, what
/// rounding does to sums, overflow and softmax, and training the MLP and LeNet under autocast.
struct PrecisionChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "precision",
    abstract: "Number formats and mixed precision: float32, float16 and bfloat16, rounding in sums and softmax, autocast and loss scaling on Fashion-MNIST (chapter 14).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Which part to run: all, formats (range, precision and spacing of each format), arithmetic (sums, overflow, softmax), training (the MLP and LeNet in each format). (default: all)",
          transform: choice(Part.self))
  var part: Part = .all

  @Option(help: "Which network the training part trains: all, mlp (10 epochs unless --epochs) or lenet (5 epochs unless --epochs). (default: all)",
          transform: choice(TextbookNetworkChoice.self))
  var network: TextbookNetworkChoice = .all

  @Option(parsing: .unconditional, help: "How many times the arithmetic part adds 0.1 (at least 10; at most 3,000 with --quick).")
  var terms = 10_000

  func validate() throws {
    guard terms >= 10 else { throw ValidationError("--terms must be at least 10, got \(terms)") }
  }

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let runs = { (p: Part) in part == .all || part == p }
    // Fashion-MNIST first, so a missing file stops the run before anything is printed.
    let data = runs(.training) ? try options.loadFashionMNIST(quickLimit: (train: 2000, test: 500)) : nil
    if runs(.formats) { try runFormatsPart(plotter) }
    if runs(.arithmetic) { try runArithmeticPart(plotter, terms: options.quick ? min(terms, 3000) : terms) }
    if runs(.training), let data { try runTrainingPart(self, plotter, train: data.train, test: data.test) }
    print("\n" + plotter.summary())
  }
}
