import Foundation
import Testing

@Suite("Chapter 03: linear regression") struct LinearRegressionChapterTests {
  @Test func quickRunLearnsTheTrueParametersAndDrawsItsFigures() throws {
    let out = temporaryFolder("linreg")
    let run = try runChapter("linear-regression", ["--quick", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    for model in ["scratch", "concise"] {
      let result = try #require(run.result(model: model), "no RESULT line for \(model)")
      #expect(result["chapter"] == "linear-regression")
      for key in ["w1_error", "w2_error", "b_error"] {
        let error = try #require(Double(result[key] ?? ""))
        #expect(error < 0.02, "\(model) \(key) = \(error)")
      }
      #expect(Double(result["train_loss"] ?? "") ?? 1 < 1e-3)
    }
    for figure in ["loss", "epoch-loss", "fit", "loss-surface"] { expectFigure(out, figure) }
    let csv = try String(contentsOfFile: "\(out)/metrics.csv", encoding: .utf8)
    #expect(csv.hasPrefix("chapter,model,epoch,name,value"))
    #expect(csv.contains("linear-regression,concise,3,loss,"))
  }

  @Test func withoutGnuplotItStillRunsAndSaysHowToInstallItOnce() throws {
    let out = temporaryFolder("nognuplot")
    let run = try runChapter("linear-regression", ["--quick", "--output", out], environment: ["PATH": "/nonexistent"])
    #expect(run.status == 0)
    #expect(run.stderr.components(separatedBy: "gnuplot is not installed").count == 2, "say it exactly once: \(run.stderr)")
    #expect(run.stderr.contains("apt-get install gnuplot-nox"))
    for figure in ["loss", "fit", "loss-surface"] {
      #expect(FileManager.default.fileExists(atPath: "\(out)/\(figure).dat"))
      #expect(FileManager.default.fileExists(atPath: "\(out)/\(figure).gp"))
      #expect(!FileManager.default.fileExists(atPath: "\(out)/\(figure).png"))
    }
  }

  @Test func oneThreadRunsRepeatExactly() throws {
    let a = try runChapter("linear-regression", ["--quick", "--threads", "1", "--seed", "7", "--output", temporaryFolder("det-a")])
    let b = try runChapter("linear-regression", ["--quick", "--threads", "1", "--seed", "7", "--output", temporaryFolder("det-b")])
    #expect(a.status == 0 && b.status == 0)
    let strip = { (s: String) in withoutTimings(s).replacingOccurrences(of: #"Figures in \S+"#, with: "Figures in _", options: .regularExpression) }
    #expect(strip(a.stdout) == strip(b.stdout))
    let c = try runChapter("linear-regression", ["--quick", "--threads", "1", "--seed", "8", "--output", temporaryFolder("det-c")])
    #expect(strip(a.stdout) != strip(c.stdout), "a different seed must change the numbers")
  }
}

@Suite("Chapter options") struct ChapterOptionTests {
  /// Every bad value gets one line on standard error naming the problem, and exit status 2.
  @Test(arguments: [
    (["--epochs", "-1"], "--epochs"), (["--batch-size", "0"], "--batch-size"), (["--lr", "nan"], "--lr"),
    (["--threads", "0"], "--threads"), (["--output", "/proc/not-writable"], "--output"), (["--no-such-flag"], "no-such-flag"),
  ])
  func badValuesExitWithStatus2(_ arguments: [String], _ mentioned: String) throws {
    let run = try runChapter("linear-regression", arguments)
    #expect(run.status == 2)
    let lines = run.stderr.split(separator: "\n")
    #expect(lines.count == 1, "expected one line, got: \(run.stderr)")
    #expect(run.stderr.contains(mentioned))
    #expect(run.stdout.isEmpty)
  }

  @Test func helpDescribesEveryCommonOption() throws {
    let run = try runChapter("linear-regression", ["--help"])
    #expect(run.status == 0)
    for option in ["--epochs", "--batch-size", "--lr", "--seed", "--threads", "--quick", "--output", "--data-dir", "--plot-terminal"] {
      #expect(run.stdout.contains(option), "--help does not mention \(option)")
    }
  }
}
