import ArgumentParser
import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

enum Defaults: ChapterDefaults {
  static let chapter = "optimizers"
  static let epochs = 10
  static let batchSize = 256
  static let lr = 0.1
  static let trainsThroughFit = true
}

/// Which parts of the chapter to run.
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, paths, schedules, mlp, lenet
}

/// `swift run -c release optimizers`: update rules on 2-D functions, the effect of the learning
/// rate, every learning-rate schedule, the optimizers compared on an MLP, and four schedules
/// compared on a LeNet.
struct OptimizersChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimizers",
    abstract: "Optimizers and learning-rate schedules: paths on 2-D functions, schedules, and a comparison on Fashion-MNIST (chapter 06).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Which part to run: all, paths (2-D functions), schedules, mlp (optimizers on an MLP), or lenet (schedules on a LeNet).")
  var part: Part = .all

  @Option(help: "Epochs of each LeNet run in the schedule comparison (the textbook's 30; --quick uses 1).")
  var lenetEpochs = 30

  @Option(help: "Schedules to compare on LeNet, comma-separated: constant, multistep, cosine, warmup-cosine (default all four).")
  var lenetSchedules = "constant,multistep,cosine,warmup-cosine"

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let g = Generator(seed: options.seed)
    if part == .all || part == .paths { try runPaths(plotter, generator: g) }
    if part == .all || part == .schedules {
      section("Learning-rate schedules (base rate 0.1, 100 epochs)")
      let curves = scheduleCurves()
      for c in curves {
        let at = [0, 5, 10, 30, 60, 99].map { String(format: "%.4f", c.lr[$0]) }.joined(separator: " ")
        print("  \(c.name.padding(toLength: 30, withPad: " ", startingAt: 0)) lr at epochs 0 5 10 30 60 99: \(at)")
      }
      try drawSchedules(plotter, curves)
    }
    if part == .all || part == .mlp { try runMLPComparison(plotter) }
    if part == .all || part == .lenet { try runLeNetSchedules(plotter) }
    print("\n" + plotter.summary())
  }

  func runPaths(_ plotter: Plotter, generator g: Generator) throws {
    section("Learning rate on f(x) = 0.1·x1² + 2·x2² with plain gradient descent, 20 steps from (-5, -2)")
    let bowl = TestFunction.bowl
    var lrRuns: [(String, [[Double]])] = []
    for (lr, verdict) in [(0.05, "too small"), (0.4, "about right"), (0.52, "too large: x2 overshoots more each step")] {
      let path = trajectory(OptimizerRecipe(label: "", make: { SGD(parameters: [$0], lr: lr) }), on: bowl, steps: 20, generator: g)
      let end = path.last!
      print("  lr \(fmt(lr)) (\(verdict)): after 20 steps x = (\(String(format: "%.4f", end[0])), \(String(format: "%.4f", end[1]))),"
            + " f = \(String(format: "%.3e", bowl.value(end[0], end[1])))")
      lrRuns.append(("lr \(fmt(lr)) (\(verdict.split(separator: ":").first!))", path))
    }
    try drawTrajectories(plotter, bowl, lrRuns, name: "learning-rate", title: "Gradient descent on 0.1·x1² + 2·x2² with three learning rates",
                         widened: true)
    try plotter.save(LinePlot(title: "f(x) after each step of gradient descent", xLabel: "step", yLabel: "f (log scale)",
                              series: lrRuns.map { name, path in
                                Series(name, x: path.indices.map(Double.init), y: path.map { bowl.value($0[0], $0[1]) }, style: .linesPoints)
                              }, logY: true), name: "learning-rate-loss")
    print("  (GD is stable on this f only for lr < 2/4 = 0.5: the steep direction's curvature is 4.)")

    for (function, steps) in [(TestFunction.bowl, 20), (TestFunction.rosenbrock, 1000)] {
      section("Eight optimizers on \(function.name), \(steps) steps from (\(fmt(function.start[0])), \(fmt(function.start[1])))")
      var runs: [(String, [[Double]])] = []
      for recipe in twoDRecipes(bowl: function.file == "bowl") {
        let path = trajectory(recipe, on: function, steps: steps, generator: g)
        let end = path.last!
        let value = function.value(end[0], end[1])
        print("  \(recipe.label.padding(toLength: 38, withPad: " ", startingAt: 0)) end (\(String(format: "%8.4f", end[0])), \(String(format: "%8.4f", end[1])))"
              + "  f = \(String(format: "%.3e", value))" + (path.count <= steps ? "  (diverged after \(path.count - 1) steps)" : ""))
        runs.append((recipe.label, path))
      }
      try drawTrajectories(plotter, function, Array(runs.prefix(4)), name: "\(function.file)-sgd-family",
                           title: "\(function.name): gradient descent and momentum")
      try drawTrajectories(plotter, function, Array(runs.suffix(4)), name: "\(function.file)-adaptive",
                           title: "\(function.name): adaptive learning rates")
    }
  }

  func validate() throws {
    guard lenetEpochs > 0 else { throw ValidationError("--lenet-epochs must be positive, got \(lenetEpochs)") }
    _ = try chosenSchedules()
  }

  /// The recipes named by `--lenet-schedules`, in the order given.
  func chosenSchedules() throws -> [ScheduleRecipe] {
    try lenetSchedules.split(separator: ",").map { name in
      guard let recipe = lenetScheduleRecipes.first(where: { $0.key == name }) else {
        throw ValidationError("--lenet-schedules: unknown schedule '\(name)'; choose from \(lenetScheduleRecipes.map(\.key).joined(separator: ", "))")
      }
      return recipe
    }
  }

  func runLeNetSchedules(_ plotter: Plotter) throws {
    let (train, test) = try options.loadFashionMNIST(quickLimit: (train: 1000, test: 200))
    let epochs = options.quick ? 1 : lenetEpochs
    section("Four learning-rate schedules on a ReLU LeNet, SGD, \(epochs) epochs, same start and same batches")
    let runs = try compareSchedulesOnLeNet(try chosenSchedules(), options: options, train: train, test: test, epochs: epochs)
    try drawScheduleComparison(plotter, runs)
    print("")
    // With a constant rate the last epoch can sit a few points off its neighbours, so the mean
    // of the last five epochs is printed beside it.
    let lastFive = { (run: ScheduleRun) in
      let tail = run.history.suffix(5).map(\.testAccuracy)
      return tail.isEmpty ? run.log.untrained?.testAccuracy ?? .nan : tail.reduce(0, +) / Double(tail.count)
    }
    for run in runs {
      guard let last = run.history.last else { continue }
      print("  \(run.recipe.name.padding(toLength: 40, withPad: " ", startingAt: 0)) test accuracy \(String(format: "%.4f", last.testAccuracy)),"
            + " mean of the last \(min(run.history.count, 5)) epochs \(String(format: "%.4f", lastFive(run)))   textbook \(run.recipe.textbook)")
    }
    for run in runs {
      guard let last = run.history.last(orUntrainedOf: run.log) else { continue }
      run.log.result(["train_loss": last.trainLoss, "test_acc": last.testAccuracy, "test_acc_last5_mean": lastFive(run)],
                     extra: ["threads": "\(options.threads)"])
    }
  }

  func runMLPComparison(_ plotter: Plotter) throws {
    let (train, test) = try options.loadFashionMNIST()
    let epochs = options.quick ? min(options.epochs, 2) : options.epochs
    section("Seven optimizers on the MLP 784 → 256 → 10, \(epochs) epochs, same start and same batches")
    let runs = try compareOnMLP(options: options, train: train, test: test, epochs: epochs)
    try drawComparison(plotter, runs)
    print("")
    for run in runs {
      guard let last = run.history.last else { continue }
      print("  \(run.name.padding(toLength: 28, withPad: " ", startingAt: 0)) train loss \(formatMetric(last.trainLoss))  test accuracy \(String(format: "%.4f", last.testAccuracy))")
    }
    for run in runs {
      guard let last = run.history.last(orUntrainedOf: run.log) else { continue }
      run.log.result(["train_loss": last.trainLoss, "test_acc": last.testAccuracy], extra: ["threads": "\(options.threads)"])
    }
  }
}
