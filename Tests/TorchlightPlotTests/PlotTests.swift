import Foundation
import Testing
@testable import TorchlightPlot

/// A fresh, empty folder under the system's temporary directory.
func scratchFolder(_ name: String) -> String {
  let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("torchlight-plot-test-\(name)-\(UUID().uuidString.prefix(8))")
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// gnuplot on PATH: the tests that draw are skipped, with this reason, without it.
let gnuplotInstalled = Plotter(directory: NSTemporaryDirectory()).hasGnuplot
let needsGnuplot = Testing.ConditionTrait.enabled(if: gnuplotInstalled, "gnuplot is not installed (sudo apt-get install gnuplot-nox)")

let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

func fileExists(_ folder: String, _ file: String) -> Bool {
  FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(file))
}

func read(_ folder: String, _ file: String) throws -> Data {
  try Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(file)))
}

/// Hidden temporary files (`.name.tmp-…`) left in a folder.
func leftovers(_ folder: String) throws -> [String] {
  try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") || $0.contains(".tmp") }
}

/// One small figure of every kind. Built step by step: one big literal is too much for the type checker.
let everyFigure: [(String, any Figure)] = {
  let xs: [Double] = (0..<50).map { Double($0) / 8 }
  let sines: [Double] = xs.map { Foundation.sin($0) }
  let line = LinePlot(title: "Curves", xLabel: "x", yLabel: "y",
                      series: [Series("sin", x: xs, y: sines), Series("points", x: [1, 2, 3], y: [0.5, -0.5, 0.2], style: .points),
                               Series("cos", x: xs, y: xs.map { Foundation.cos($0) }, style: .dashed)])
  let log = LinePlot(title: "Loss", xLabel: "epoch", yLabel: "loss",
                     series: [Series("loss", x: [1, 2, 3], y: [1, 0.1, 0.01], style: .linesPoints)], logY: true)
  let a: [Double] = (0..<200).map { Double($0 % 17) }
  let b: [Double] = (0..<200).map { Double($0 % 11) + 3 }
  let histogram = Histogram(title: "Values", xLabel: "v", series: [("a", a), ("b", b)], bins: 12)
  let u: [Double] = (0..<20).map { Double($0) / 5 - 2 }
  let v: [Double] = (0..<15).map { Double($0) / 5 - 1.4 }
  var z: [[Double]] = []
  for vi in v { z.append(u.map { uj in uj * uj + 2 * vi * vi }) }
  let contour = ContourPlot(title: "Bowl", xLabel: "u", yLabel: "v", x: u, y: v, z: z, logLevels: true,
                            overlays: [Series("path", x: [-1.5, -0.5, 0], y: [1, 0.3, 0], style: .linesPoints)])
  let heat = HeatMap(title: "Confusion", xLabel: "predicted", yLabel: "true", values: [[5, 1], [2, 7]],
                     xTickLabels: ["cat", "dog"], yTickLabels: ["cat", "dog"], showValues: true)
  var images: [[Double]] = []
  for k in 0..<6 { images.append((0..<16).map { Double(($0 + k) % 5) }) }
  let grid = ImageGrid(title: "Digits", images: images, height: 4, width: 4, columns: 3,
                       captions: (0..<6).map { "img \($0)" }, highlighted: [false, true, false, false, false, true])
  let panels = PlotGrid(title: "Panels", panels: [line, log, line], columns: 2)
  let heatmaps = HeatMapGrid(title: "Heads", panels: [heat, HeatMap(title: "other", xLabel: "k", yLabel: "q", values: [[0.2, 0.8], [0.5, 0.5]])],
                             columns: 2, sharedColorRange: true)
  return [("line", line), ("log", log), ("histogram", histogram), ("contour", contour), ("heatmap", heat), ("images", grid),
          ("panels", panels), ("heatmaps", heatmaps)]
}()

@Suite("Plotting", .serialized) struct PlotTests {
  @Test func gridPanelsReadTheirOwnDataBlocks() {
    let one = LinePlot(title: "one", xLabel: "x", yLabel: "y", series: [Series("a", x: [0, 1], y: [1, 2])])
    let two = LinePlot(title: "two", xLabel: "x", yLabel: "y",
                       series: [Series("b", x: [0, 1], y: [3, 4]), Series("c", x: [0, 1], y: [5, 6])], logY: true)
    let grid = PlotGrid(title: "grid", panels: [one, two], columns: 2)
    let script = grid.script(dataFile: "g.dat")
    #expect(script.contains("set multiplot layout 1,2"))
    #expect(script.contains("index 0 ") && script.contains("index 1 ") && script.contains("index 2 "))
    #expect(!script.contains("index 3 "))
    // Three blocks in the data, in panel order; the second panel's log axis is reset before the next.
    let blocks = grid.data().components(separatedBy: "\n\n\n")
    #expect(blocks.count == 3 && blocks[2].contains("5"))
    #expect(script.components(separatedBy: "reset").count == 3)
  }

  @Test func heatMapGridPanelsReadTheirOwnBlocksOnOneColourScale() {
    let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    let a = HeatMap(title: "a", xLabel: "k", yLabel: "q", values: [[0, 1, 2, 3, 4, 5]], xTickLabels: words)
    let b = HeatMap(title: "b", xLabel: "k", yLabel: "q", values: [[0.5, 0.5, 0, 0, 0, 0]], xTickLabels: words)
    let grid = HeatMapGrid(title: "grid", panels: [a, b], columns: 2, sharedColorRange: true)
    let script = grid.script(dataFile: "h.dat")
    #expect(script.contains("set multiplot layout 1,2") && script.contains("'h.dat' index 0 ") && script.contains("'h.dat' index 1 "))
    #expect(script.components(separatedBy: "set cbrange [0:5]").count == 3, "both panels on the range of all values")
    #expect(grid.data().components(separatedBy: "\n\n\n").count == 2)
    // The same labels fit a full-width map but are slanted in a narrow panel.
    #expect(!a.script(dataFile: "a.dat").contains("rotate by"))
    #expect(script.contains("rotate by 40 right"))
    // Without sharing, each panel keeps its own range.
    #expect(HeatMapGrid(title: "g", panels: [a, b], columns: 2).script(dataFile: "h.dat").contains("set cbrange [0:0.5]"))
  }

  @Test(needsGnuplot) func everyFigureKindWritesPngDataAndScript() throws {
    let folder = scratchFolder("kinds")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let plotter = Plotter(directory: folder + "/created/on/demand")
    for (name, figure) in everyFigure {
      try plotter.save(figure, name: name)
      let png = try read(plotter.directory, "\(name).png")
      #expect(png.starts(with: pngSignature), "\(name).png is not a PNG")
      #expect(png.count > 2000, "\(name).png is suspiciously small: \(png.count) bytes")
      let data = try read(plotter.directory, "\(name).dat")
      #expect(!data.isEmpty)
      let script = String(decoding: try read(plotter.directory, "\(name).gp"), as: UTF8.self)
      #expect(script.contains("set terminal pngcairo"))
      #expect(script.contains("set output '\(name).png'"))
      #expect(script.contains("'\(name).dat'"), "the script must read its data by relative name")
      #expect(!script.contains(folder), "the script must not depend on where it was written")
    }
    #expect(try leftovers(plotter.directory).isEmpty, "temporary files left behind")
    // The summary a chapter prints lists exactly the PNGs drawn, in order.
    #expect(plotter.drawn == everyFigure.map { "\($0.0).png" })
    #expect(plotter.summary() == "Figures in \(plotter.directory)/: " + everyFigure.map { "\($0.0).png" }.joined(separator: ", "))
  }

  @Test(needsGnuplot) func theWrittenScriptRedrawsTheFigureOnItsOwn() throws {
    let folder = scratchFolder("redraw")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let plotter = Plotter(directory: folder)
    for (name, figure) in everyFigure {
      try plotter.save(figure, name: name)
      try FileManager.default.removeItem(atPath: "\(folder)/\(name).png")
      // What a learner does: `cd folder && gnuplot name.gp`.
      let result = try Plotter.run(plotter.gnuplotPath!, arguments: ["\(name).gp"], in: folder)
      #expect(result.status == 0, "gnuplot \(name).gp failed: \(result.errors)")
      #expect(try read(folder, "\(name).png").starts(with: pngSignature))
    }
  }

  @Test func withoutGnuplotTheDataAndScriptAreStillWritten() throws {
    let folder = scratchFolder("missing")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let plotter = Plotter(directory: folder, gnuplot: "/nonexistent/gnuplot")
    #expect(!plotter.hasGnuplot)
    for (name, figure) in everyFigure {
      try plotter.save(figure, name: name)  // does not throw
      #expect(fileExists(folder, "\(name).dat"))
      #expect(fileExists(folder, "\(name).gp"))
      #expect(!fileExists(folder, "\(name).png"))
    }
    #expect(!plotter.warnMissingGnuplot(), "the note about the missing gnuplot is printed once per process")
    #expect(plotter.missingGnuplotNote.contains("gnuplot is not installed"))
    #expect(plotter.missingGnuplotNote.contains("apt-get install gnuplot-nox"))
    #expect(!plotter.missingGnuplotNote.dropLast().contains("\n"), "one line")
    #expect(plotter.terminal(everyFigure[0].1) == nil)
    #expect(try leftovers(folder).isEmpty)
    // A chapter must not claim PNGs it could not draw.
    #expect(plotter.drawn.isEmpty)
    #expect(!plotter.summary().contains(".png") && plotter.summary().contains("gnuplot was not found")
            && plotter.summary().contains("\(everyFigure.count) figures"), "\(plotter.summary())")
  }

  @Test(needsGnuplot) func aGnuplotErrorCarriesGnuplotsMessage() throws {
    let folder = scratchFolder("error")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let plotter = Plotter(directory: folder)
    // A good figure first: a failed redraw must leave its PNG as it was.
    try plotter.save(everyFigure[1].1, name: "bad")
    let before = try read(folder, "bad.png")
    // Every value is ≤ 0, so a log axis has nothing to show: gnuplot refuses the plot.
    let bad = LinePlot(title: "bad", xLabel: "x", yLabel: "y", series: [Series("neg", x: [1, 2], y: [-1, -2])], logY: true)
    let error = #expect(throws: PlotError.self) { try plotter.save(bad, name: "bad") }
    let text = error?.description ?? ""
    #expect(text.hasPrefix("figure bad: gnuplot: "), "\(text)")
    #expect(text.contains("all points y value undefined"), "gnuplot's own reason: \(text)")
    #expect(text.contains("bad.gp line"), "the line of the script the learner has: \(text)")
    #expect(!text.contains(".tmp"), "the temporary script's name must not show: \(text)")
    #expect(try read(folder, "bad.png") == before)
    #expect(try leftovers(folder).isEmpty, "temporary files left behind")
  }

  @Test func badNamesAreRefused() {
    let plotter = Plotter(directory: scratchFolder("names"), gnuplot: "/nonexistent/gnuplot")
    defer { try? FileManager.default.removeItem(atPath: plotter.directory) }
    for name in ["", "a/b", ".hidden"] {
      #expect(throws: PlotError.self) { try plotter.save(everyFigure[0].1, name: name) }
    }
  }

  @Test(needsGnuplot) func awkwardTextIsQuoted() throws {
    let folder = scratchFolder("quotes")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let plotter = Plotter(directory: folder)
    let title = "it's \"quoted\", a\\backslash, train_loss^2 {x}\nand a second line"
    let plot = LinePlot(title: title, xLabel: "x's", yLabel: "\"y\"",
                        series: [Series("O'Brien \"lr\" = 1e-3", x: [0, 1], y: [1, 2]), Series("", x: [0, 1], y: [2, 1])])
    try plotter.save(plot, name: "it's odd")
    #expect(try read(folder, "it's odd.png").starts(with: pngSignature))
    let text = try #require(plotter.terminal(plot, width: 70, height: 20))
    #expect(text.contains("it's \"quoted\", a\\backslash, train_loss^2 {x}"))
    #expect(text.contains("and a second line"))
  }

  @Test(needsGnuplot) func terminalRenderingIsText() throws {
    let plotter = Plotter(directory: scratchFolder("dumb"))
    defer { try? FileManager.default.removeItem(atPath: plotter.directory) }
    let text = try #require(plotter.terminal(everyFigure[1].1, width: 60, height: 15))
    #expect(text.contains("Loss"))
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count >= 10 && lines.count <= 15)
    #expect(lines.allSatisfy { $0.count <= 60 })
    #expect(!text.contains("\u{0C}"))
    // Nothing is written into the plotter's folder.
    #expect(!fileExists(plotter.directory, "figure.dat"))
  }

  @Test(needsGnuplot) func degenerateInputsStillDraw() throws {
    let plotter = Plotter(directory: scratchFolder("degenerate"))
    defer { try? FileManager.default.removeItem(atPath: plotter.directory) }
    let figures: [(String, any Figure)] = [
      ("no-series", LinePlot(title: "empty", xLabel: "x", yLabel: "y", series: [])),
      ("empty-series", LinePlot(title: "empty", xLabel: "x", yLabel: "y", series: [Series("none", x: [], y: [])], logY: true)),
      ("one-point", LinePlot(title: "one", xLabel: "x", yLabel: "y", series: [Series("one", x: [1], y: [1], style: .points)])),
      ("gaps", LinePlot(title: "gaps", xLabel: "x", yLabel: "y", series: [Series("nan", x: [1, 2, 3, 4], y: [1, .nan, .infinity, 2])])),
      ("constant-histogram", Histogram(title: "same", xLabel: "v", series: [("same", [3, 3, 3])])),
      ("empty-histogram", Histogram(title: "none", xLabel: "v", series: [])),
      ("flat-surface", ContourPlot(title: "flat", xLabel: "x", yLabel: "y", x: [0, 1], y: [0, 1], z: [[0, 0], [0, 0]], logLevels: true)),
      ("signed-heatmap", HeatMap(title: "weights", xLabel: "in", yLabel: "out", values: [[-1, 0.5, .nan], [2, -0.25, 0]], showValues: true)),
      ("no-images", ImageGrid(title: "none", images: [], height: 2, width: 2, columns: 4)),
      ("constant-image", ImageGrid(title: "flat", images: [[1, 1, 1, 1]], height: 2, width: 2, columns: 4, captions: ["two\nlines"])),
    ]
    for (name, figure) in figures {
      #expect(throws: Never.self, "\(name)") { try plotter.save(figure, name: name) }
    }
  }

  @Test func aTitleTooLongForThePictureIsBrokenInTwo() {
    let long = "Fréchet distance to the test images after each epoch (2000 samples; lower is better)"
    let fitted = Theme.fitted(title: long, canvas: .png)
    let lines = fitted.split(separator: "\n")
    #expect(lines.count == 2 && lines.joined(separator: " ") == long, "\(fitted)")
    #expect(lines.allSatisfy { Double($0.count) * Theme.titleCharWidth <= 800 - 60 })
    #expect(Theme.fitted(title: "Loss", canvas: .png) == "Loss")
    #expect(Theme.fitted(title: long, canvas: Canvas(width: 78, height: 22, isText: true)) == long, "text keeps one line")
  }

  @Test func anEmptySeriesKeepsTheLaterIndices() {
    let plot = LinePlot(title: "t", xLabel: "x", yLabel: "y",
                        series: [Series("a", x: [1], y: [1]), Series("empty", x: [], y: []), Series("c", x: [3], y: [3])])
    let blocks = plot.data().components(separatedBy: "\n\n\n")
    #expect(blocks.count == 3)
    #expect(blocks[2].contains("3.0 3.0"))
    #expect(plot.script(dataFile: "t.dat").contains("index 2 using 1:2"))
  }

  @Test func histogramBinsEveryValueOnce() {
    let h = Histogram(title: "h", xLabel: "x", series: [("a", [0, 0.5, 1, 1, 2, .nan])], bins: 2)
    let counts = h.data().split(separator: "\n").filter { !$0.hasPrefix("#") }.map { Int($0.split(separator: " ")[1])! }
    #expect(counts == [2, 3])  // [0, 1) holds 0 and 0.5; [1, 2] holds 1, 1 and 2; NaN is skipped
  }

  @Test func heatMapRowZeroIsAtTheTop() {
    let map = HeatMap(title: "m", xLabel: "x", yLabel: "y", values: [[1, 2, 3], [4, 5, 6]])
    #expect(map.script(dataFile: "m.dat").contains("set yrange [1.5:-0.5]"))
    #expect(map.data().hasPrefix("# column row value label"))
    #expect(map.data().contains("2 1 6.0 \"6\""))  // column 2 of row 1
  }

  @Test func theLegendGoesWhereThereIsNoData() {
    // A falling curve leaves the top right empty; a rising one the bottom right.
    let xs = (0..<20).map(Double.init)
    let falling = LinePlot(title: "", xLabel: "", yLabel: "", series: [Series("loss", x: xs, y: xs.map { 1 / ($0 + 1) })])
    #expect(falling.script(dataFile: "f.dat").contains("set key inside top right"))
    let rising = LinePlot(title: "", xLabel: "", yLabel: "", series: [Series("accuracy", x: xs, y: xs.map { 1 - 1 / ($0 + 1) })])
    let risingScript = rising.script(dataFile: "r.dat")
    #expect(risingScript.contains("set key inside") && !risingScript.contains("top right"))
    // Data in every corner: headroom above the data for the legend, or, when the y range is
    // fixed, the legend goes below the plot.
    let points = [Series("corners", x: [0, 1, 0, 1], y: [0, 0, 1, 1], style: .points)]
    let corners = LinePlot(title: "", xLabel: "", yLabel: "", series: points).script(dataFile: "c.dat")
    #expect(corners.contains("set offsets 0, 0, graph 0.") && corners.contains("set key inside top"))
    let fixed = LinePlot(title: "", xLabel: "", yLabel: "", series: points, yRange: 0...1).script(dataFile: "c.dat")
    #expect(fixed.contains("set key outside below") && !fixed.contains("set offsets"))
    // No names: no legend.
    let unnamed = LinePlot(title: "", xLabel: "", yLabel: "", series: [Series("", x: xs, y: xs)])
    #expect(unnamed.script(dataFile: "u.dat").contains("unset key"))
  }

  @Test func captionsWrapAtSpacesKeepingBracketsTogether() {
    #expect(ImageGrid.wrap("Sandal (Ankle boot)", to: 12) == "Sandal\n(Ankle boot)")
    #expect(ImageGrid.wrap("T-shirt/top", to: 6) == "T-shirt/top")
    #expect(ImageGrid.wrap("a b c d", to: 3) == "a b\nc d")
    #expect(ImageGrid.wrap("first\nsecond line", to: 6) == "first\nsecond\nline")
  }

  @Test func quotingEscapesWhatGnuplotWouldRead() {
    #expect(Theme.quoted("a\"b\\c\nd") == #""a\"b\\c\nd""#)
    #expect(Theme.file("it's.dat") == "'it''s.dat'")
  }
}
