import Testing
@testable import ChapterKit

private enum FitDefaults: ChapterDefaults {
  static let chapter = "fit-options-test"
  static let epochs = 10
  static let batchSize = 32
  static let lr = 0.1
  static let trainsThroughFit = true
}

private enum OwnLoopDefaults: ChapterDefaults {
  static let chapter = "own-loop-test"
  static let epochs = 10
  static let batchSize = 32
  static let lr = 0.1
}

private enum ResumableOwnLoopDefaults: ChapterDefaults {
  static let chapter = "resumable-own-loop-test"
  static let epochs = 10
  static let batchSize = 32
  static let lr = 0.1
  static let resumable = true
}

@Suite("ChapterKit: resume, EMA and accumulation options") struct TrainingOptionsTests {
  /// `--resume` takes an optional path: the next word when it is not an option.
  @Test func resumeTakesAnOptionalPath() {
    #expect(rewritingResumePath(["--resume", "--quick"]) == ["--resume", "--quick"])
    #expect(rewritingResumePath(["--quick", "--resume"]) == ["--quick", "--resume"])
    #expect(rewritingResumePath(["--resume", "out/x.safetensors", "--quick"]) == ["--resume", "--resume-from", "out/x.safetensors", "--quick"])
    #expect(rewritingResumePath(["--resume=out/x"]) == ["--resume", "--resume-from", "out/x"])
  }

  /// Checkpoints every epoch by default, none in a quick run unless it resumes or asks.
  @Test func checkpointsAreOnExceptInQuickRuns() throws {
    let output = temporaryFolder("fit-options")
    #expect(try ChapterOptions<FitDefaults>.parse(["--output", output]).checkpointEvery == 1)
    #expect(try ChapterOptions<FitDefaults>.parse(["--output", output, "--quick"]).checkpointEvery == 0)
    #expect(try ChapterOptions<FitDefaults>.parse(["--output", output, "--quick", "--resume"]).checkpointEvery == 1)
    #expect(try ChapterOptions<FitDefaults>.parse(["--output", output, "--quick", "--checkpoint-every", "2"]).checkpointEvery == 2)
  }

  @Test func badValuesAndChaptersWithoutFitAreRefused() throws {
    let output = temporaryFolder("fit-options-bad")
    for bad in [["--accumulate", "0"], ["--ema", "1"], ["--ema", "-0.5"], ["--checkpoint-every", "-1"]] {
      #expect(throws: (any Error).self, "\(bad)") { try ChapterOptions<FitDefaults>.parse(["--output", output] + bad) }
    }
    for flag in [["--resume"], ["--ema", "0.9"], ["--accumulate", "2"], ["--checkpoint-every", "1"]] {
      #expect(throws: (any Error).self, "\(flag)") { try ChapterOptions<OwnLoopDefaults>.parse(["--output", output] + flag) }
    }
    #expect(try ChapterOptions<OwnLoopDefaults>.parse(["--output", output]).accumulate == 1)
    // A loop of a chapter's own that goes through a `TrainingRun` resumes, but has no EMA or accumulation.
    #expect(try ChapterOptions<ResumableOwnLoopDefaults>.parse(["--output", output, "--resume", "--checkpoint-every", "2"]).resuming)
    for flag in [["--ema", "0.9"], ["--accumulate", "2"]] {
      #expect(throws: (any Error).self, "\(flag)") { try ChapterOptions<ResumableOwnLoopDefaults>.parse(["--output", output] + flag) }
    }
  }

  /// The recipe compared on resume holds what changes the numbers, not where or how fast.
  @Test func theRecipeLeavesOutWhereAndHowFast() throws {
    let output = temporaryFolder("fit-options-recipe")
    commandLineArguments = ["--model", "dropout", "--threads", "1", "--output", output, "--verbose", "--lr", "0.05"]
    let recipe = try ChapterOptions<FitDefaults>.parse(Array(commandLineArguments.dropFirst(2))).recipe
    commandLineArguments = []
    #expect(recipe["--model"] == "dropout" && recipe["--lr"] == "0.05" && recipe["--batch-size"] == "32")
    #expect(recipe["--threads"] == nil && recipe["--output"] == nil && recipe["--verbose"] == nil)
  }
}
