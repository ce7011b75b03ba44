import Foundation
import Testing
@testable import TorchlightBoard

/// Our files read by TensorBoard itself: `EventAccumulator` drops every record whose checksums
/// do not match, and parses every message with TensorBoard's own protobuf definitions.
@Suite("TensorBoard reads our event files") struct EventAccumulatorTests {
  static let python: String = ProcessInfo.processInfo.environment["TORCHLIGHT_PEERS_PYTHON"]
    ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".venvs/torchlight-peers/bin/python").path
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("peers/read_tfevents.py")

  /// True when the peers' Python can import tensorboard.
  static let tensorboardInstalled: Bool = {
    guard FileManager.default.isExecutableFile(atPath: python) else { return false }
    return (try? run(["-c", "import tensorboard"]).status) == 0
  }()

  static func run(_ arguments: [String]) throws -> (status: Int32, output: Data, errors: String) {
    let process = Process(), output = Pipe(), errors = Pipe()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    nonisolated(unsafe) var errorData = Data()
    let reader = Thread { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return (process.terminationStatus, data, String(decoding: errorData, as: UTF8.self))
  }

  @Test(.enabled(if: tensorboardInstalled, "needs the tensorboard package in ~/.venvs/torchlight-peers (pip install tensorboard) or TORCHLIGHT_PEERS_PYTHON"))
  func everyTagStepAndValueIsWhatWeWrote() throws {
    let known = try KnownRun()
    defer { known.remove() }
    let result = try Self.run([Self.script.path, known.folder])
    try #require(result.status == 0, "read_tfevents.py failed: \(result.errors)")
    let json = try #require(try JSONSerialization.jsonObject(with: result.output) as? [String: Any])

    #expect(json["file_version"] as? Double == 2, "TensorBoard parses \"brain.Event:2\" as version 2")
    let scalars = try #require(json["scalars"] as? [String: [[Double]]])
    #expect(Set(scalars.keys) == ["loss/train", "lr"])
    #expect(scalars["loss/train"]?.map { Int($0[0]) } == KnownRun.losses.map(\.step))
    // TensorBoard keeps scalars as 32-bit floats: compare with the Float of what was written.
    #expect(scalars["loss/train"]?.map { Float($0[1]) } == KnownRun.losses.map { Float($0.value) })
    #expect(scalars["lr"]?.map { [$0[0], Double(Float($0[1]))] } == [[1, Double(Float(0.1))]])

    let histograms = try #require(json["histograms"] as? [String: [[String: Any]]])
    #expect(Array(histograms.keys) == ["weights/0.weight"])
    let h = try #require(histograms["weights/0.weight"]?.first)
    let expected = HistogramData(KnownRun.weights, bins: 4)
    #expect(h["step"] as? Int == 2)
    #expect(h["min"] as? Double == expected.min && h["max"] as? Double == expected.max)
    #expect(h["num"] as? Double == expected.count && h["sum"] as? Double == expected.sum)
    #expect(h["sum_squares"] as? Double == expected.sumSquares)
    #expect(h["bucket_limit"] as? [Double] == expected.bucketLimits)
    #expect(h["bucket"] as? [Double] == expected.bucketCounts)

    let images = try #require(json["images"] as? [String: [[String: Any]]])
    #expect(Array(images.keys) == ["curves"])
    let image = try #require(images["curves"]?.first)
    #expect(image["step"] as? Int == 0 && image["width"] as? Int == 3 && image["height"] as? Int == 2)
    #expect((image["png"] as? String).map(hexBytes) == KnownRun.png)

    let texts = try #require(json["texts"] as? [String: [[String: Any]]])
    #expect(Array(texts.keys) == ["options"])
    let text = try #require(texts["options"]?.first)
    #expect(text["step"] as? Int == 0 && text["text"] as? String == KnownRun.text && text["plugin"] as? String == "text")
    #expect(json["text_plugin_tags"] as? [String] == ["options"])
  }
}
