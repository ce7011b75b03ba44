import Foundation
import Testing

@Suite("Chapter 06: optimizers") struct OptimizersChapterTests {
  @Test func pathsAndSchedulesRunWithoutData() throws {
    let out = temporaryFolder("optimizers")
    let run = try runChapter("optimizers", ["--part", "paths", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    // The learning-rate demonstration: 0.52 is past GD's stability limit 2/4 on this function.
    #expect(run.stdout.contains("lr 0.52 (too large"))
    for figure in ["learning-rate", "learning-rate-loss", "bowl-sgd-family", "bowl-adaptive", "rosenbrock-sgd-family", "rosenbrock-adaptive"] {
      expectFigure(out, figure)
    }
    let schedules = try runChapter("optimizers", ["--part", "schedules", "--output", out])
    #expect(schedules.status == 0, "\(schedules.stderr)")
    #expect(schedules.stdout.contains("OneCycleLR"))
    expectFigure(out, "schedules")
  }

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickComparisonTrainsEveryOptimizer() throws {
    let out = temporaryFolder("optimizers-mlp")
    let run = try runChapter("optimizers", ["--part", "mlp", "--quick", "--epochs", "1", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    for model in ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"] {
      let result = try #require(run.result(model: model), "no RESULT line for \(model)")
      let accuracy = try #require(Double(result["test_acc"] ?? ""))
      #expect(accuracy > 0.3, "\(model): test accuracy \(accuracy) after one quick epoch (chance is 0.1)")
    }
    expectFigure(out, "mlp-loss")
  }

  @Test func anUnknownLeNetScheduleIsOneLine() throws {
    let bad = try runChapter("optimizers", ["--part", "lenet", "--lenet-schedules", "cosine,linear", "--output", temporaryFolder("optimizers-bad")])
    #expect(bad.status == 2 && bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("'linear'"), "\(bad.stderr)")
  }

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickLeNetScheduleRunsTheChosenSchedules() throws {
    let out = temporaryFolder("optimizers-lenet")
    let run = try runChapter("optimizers", ["--part", "lenet", "--quick", "--lenet-schedules", "constant,warmup-cosine",
                                            "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.results.compactMap { $0["model"] } == ["lenet-constant", "lenet-warmup-cosine"])
    // One epoch in quick mode, so the mean of the last (at most five) epochs is that epoch's accuracy.
    for result in run.results { #expect(result["test_acc_last5_mean"] != nil && result["test_acc_last5_mean"] == result["test_acc"], "\(result)") }
    expectFigure(out, "lenet-schedules")
  }
}
