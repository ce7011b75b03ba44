import Foundation
import Testing
@testable import TorchlightBoard

/// Our own reader over the writer's output: framing, checksums and every value.
@Suite("SummaryWriter") struct SummaryWriterTests {
  @Test func theFileIsNamedAsTensorBoardExpects() throws {
    let run = try KnownRun()
    defer { run.remove() }
    let name = (run.writer.path as NSString).lastPathComponent
    let parts = name.split(separator: ".")
    #expect(name.hasPrefix("events.out.tfevents."), "\(name)")
    let seconds = try #require(Int(parts[3]), "\(name)")
    #expect(abs(Double(seconds) - Date().timeIntervalSince1970) < 600)
    #expect(parts.count >= 5 && !parts[4].isEmpty, "no host in \(name)")
  }

  @Test func everyEventReadsBack() throws {
    let run = try KnownRun()
    defer { run.remove() }
    let events = try LoggedEvent.read(run: run.folder)
    #expect(events.first?.fileVersion == "brain.Event:2")
    #expect(events.count == 1 + KnownRun.losses.count + 4)
    let now = Date().timeIntervalSince1970
    #expect(events.allSatisfy { abs($0.wallTime - now) < 600 })

    let losses = events.filter { $0.values.first?.tag == "loss/train" }
    #expect(losses.map(\.step) == KnownRun.losses.map(\.step))
    #expect(losses.map { $0.values[0].scalar } == KnownRun.losses.map { Float($0.value) })

    let histogram = try #require(events.first { $0.values.first?.tag == "weights/0.weight" })
    #expect(histogram.step == 2)
    #expect(histogram.values[0].histogram == HistogramData(KnownRun.weights, bins: 4))
    #expect(histogram.values[0].histogram?.bucketCounts == [4, 2, 1, 1])

    let image = try #require(events.first { $0.values.first?.tag == "curves" }?.values[0].image)
    #expect(image.width == 3 && image.height == 2 && image.png == KnownRun.png)

    let text = try #require(events.first { $0.values.first?.tag == "options" }?.values[0])
    #expect(text.text == KnownRun.text && text.plugin == "text")
  }

  @Test func aCorruptOrTornRecordIsNamed() throws {
    let run = try KnownRun()
    defer { run.remove() }
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: run.writer.path)))
    let first = try #require(TFRecord.records(in: bytes).first)
    // Flip one bit inside the second record's data.
    var corrupt = bytes
    corrupt[12 + first.count + 4 + 12 + 3] ^= 0x10
    let bad = #expect(throws: BoardError.self) { try TFRecord.records(in: corrupt, file: "f") }
    #expect(bad?.description == "f: record 1 has a bad data checksum (the file is corrupt)")
    let torn = #expect(throws: BoardError.self) { try TFRecord.records(in: Array(bytes.dropLast(2)), file: "f") }
    #expect(torn?.description.contains("is cut short") == true, "\(String(describing: torn))")
  }

  @Test func aFolderThatCannotBeCreatedIsOneLine() {
    #expect(throws: BoardError.self) { try SummaryWriter(logDirectory: "/proc/torchlight-no/run") }
  }

  @Test func notAPNGIsRefused() throws {
    let run = try KnownRun()
    defer { run.remove() }
    let writer = try SummaryWriter(logDirectory: run.folder)
    #expect(throws: BoardError.self) { try writer.addImage("x", png: Array("GIF89a".utf8), step: 0) }
  }
}
