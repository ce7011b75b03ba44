import ChapterKit
import Testing

private enum TestDefaults: ChapterDefaults {
  static let chapter = "options-test"
  static let epochs = 10
  static let batchSize = 32
  static let lr = 0.1
}

@Suite("ChapterKit: common options") struct ChapterOptionsTests {
  /// A chapter whose models train for different lengths asks for `epochs(orDefault:)`: the
  /// model's own default when `--epochs` is absent, the user's number when it is given.
  @Test func epochsFallBackToTheModelsDefaultOnlyWhenNotGiven() throws {
    let output = temporaryFolder("options")
    let absent = try ChapterOptions<TestDefaults>.parse(["--output", output])
    #expect(absent.epochs == 10 && absent.epochs(orDefault: 20) == 20)
    let given = try ChapterOptions<TestDefaults>.parse(["--epochs", "3", "--output", output])
    #expect(given.epochs == 3 && given.epochs(orDefault: 20) == 3)
    #expect(throws: (any Error).self) { try ChapterOptions<TestDefaults>.parse(["--epochs", "-1", "--output", output]) }
  }
}
