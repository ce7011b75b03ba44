import Foundation
import Testing

@Suite("Chapter 02: autograd") struct AutogradChapterTests {
  @Test func runsEverySectionAndWritesItsFigures() throws {
    let out = temporaryFolder("autograd")
    let run = try runChapter("autograd", ["--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    let result = try #require(run.result())
    #expect(result["gradcheck"] == "passed")
    #expect(Double(result["tanh_max_error"] ?? "") ?? 1 < 1e-12)
    #expect(Swift.abs((Double(result["newton_x"] ?? "") ?? 0) - 1) < 1e-9)
    #expect(FileManager.default.fileExists(atPath: "\(out)/graph.dot"))
    expectFigure(out, "tanh-derivatives")
  }

  @Test func badFlagsExitWithStatus2() throws {
    let run = try runChapter("autograd", ["--no-such-flag"])
    #expect(run.status == 2 && run.stderr.split(separator: "\n").count == 1)
  }
}

@Suite("Chapter 01: tensors") struct TensorsChapterTests {
  @Test func walksThroughEverySection() throws {
    let out = temporaryFolder("tensors")
    let run = try runChapter("tensors", ["--output", out])
    #expect(run.status == 0)
    #expect(run.result()?["sections"] == "8")
    #expect(run.stdout.contains("view reads slots: [0, 3, 1, 4, 2, 5]"))
    expectFigure(out, "views")
  }

  @Test func runsRepeatExactly() throws {
    let out = temporaryFolder("tensors-repeat")
    let a = try runChapter("tensors", ["--seed", "3", "--output", out]), b = try runChapter("tensors", ["--seed", "3", "--output", out])
    #expect(a.stdout == b.stdout)
    #expect(try runChapter("tensors", ["--seed", "x", "--output", out]).status == 2)
  }
}
