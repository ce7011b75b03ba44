import Foundation
import Testing
@testable import TorchlightPlot

func scratchFolder(_ name: String) -> String {
  let path = NSTemporaryDirectory() + "torchlight-plot-\(name)-\(UUID().uuidString.prefix(8))"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// One of every figure kind, small. Built step by step: one big literal is too much for the type checker.
let everyFigure: [(String, any Figure)] = {
  let xs: [Double] = (0..<50).map { Double($0) / 8 }
  let sines: [Double] = xs.map { Foundation.sin($0) }
  let line = LinePlot(title: "Curves", xLabel: "x", yLabel: "y",
                      series: [Series("sin", x: xs, y: sines), Series("points", x: [1, 2, 3], y: [0.5, -0.5, 0.2], style: .points)])
  let log = LinePlot(title: "Loss", xLabel: "epoch", yLabel: "loss",
                     series: [Series("loss", x: [1, 2, 3], y: [1, 0.1, 0.01], style: .linesPoints)], logY: true)
  let a: [Double] = (0..<200).map { Double($0 % 17) }
  let b: [Double] = (0..<200).map { Double($0 % 11) + 3 }
  let histogram = Histogram(title: "Values", xLabel: "v", series: [("a", a), ("b", b)], bins: 12)
  let u: [Double] = (0..<20).map { Double($0) / 5 - 2 }
  let v: [Double] = (0..<15).map { Double($0) / 5 - 1.4 }
  var z: [[Double]] = []
  for vi in v { z.append(u.map { uj in uj * uj + 2 * vi * vi + 0.01 }) }
  let contour = ContourPlot(title: "Bowl", xLabel: "u", yLabel: "v", x: u, y: v, z: z, logLevels: true,
                            overlays: [Series("path", x: [-1.5, -0.5, 0], y: [1, 0.3, 0], style: .linesPoints)])
  let heat = HeatMap(title: "Confusion", xLabel: "predicted", yLabel: "true", values: [[5, 1], [2, 7]],
                     xTickLabels: ["cat", "dog"], yTickLabels: ["cat", "dog"], showValues: true)
  var images: [[Double]] = []
  for k in 0..<6 { images.append((0..<16).map { Double(($0 + k) % 5) }) }
  let grid = ImageGrid(title: "Digits", images: images, height: 4, width: 4, columns: 3,
                       captions: (0..<6).map { "img \($0)" }, highlighted: [false, true, false, false, false, true])
  return [("line", line), ("log", log), ("histogram", histogram), ("contour", contour), ("heatmap", heat), ("images", grid)]
}()

@Suite("Plotting", .serialized) struct PlotTests {
  @Test func everyFigureKindWritesPngDataAndScript() throws {
    let folder = scratchFolder("kinds")
    let plotter = Plotter(directory: folder)
    try #require(plotter.hasGnuplot, "gnuplot is not installed: run `make setup`")
    for (name, figure) in everyFigure {
      try plotter.save(figure, name: name)
      let png = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name).png"))
      #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name).png is not a PNG")
      let script = try String(contentsOfFile: "\(folder)/\(name).gp", encoding: .utf8)
      #expect(script.contains("'\(name).dat'") && script.contains("set output '\(name).png'"))
      #expect(FileManager.default.fileExists(atPath: "\(folder)/\(name).dat"))
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp") }
    #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
  }

  @Test func theWrittenScriptRedrawsTheFigureOnItsOwn() throws {
    let folder = scratchFolder("redraw")
    let plotter = Plotter(directory: folder)
    try #require(plotter.hasGnuplot)
    try plotter.save(everyFigure[0].1, name: "curves")
    try FileManager.default.removeItem(atPath: "\(folder)/curves.png")
    let (status, _, errors) = try Plotter.run(plotter.gnuplotPath!, script: "load 'curves.gp'", in: folder)
    #expect(status == 0, "\(errors)")
    #expect(FileManager.default.fileExists(atPath: "\(folder)/curves.png"))
  }

  @Test func withoutGnuplotTheDataAndScriptAreStillWritten() throws {
    let folder = scratchFolder("missing")
    let plotter = Plotter(directory: folder, gnuplot: "/nonexistent/gnuplot")
    #expect(!plotter.hasGnuplot)
    try plotter.save(everyFigure[0].1, name: "curves")
    #expect(FileManager.default.fileExists(atPath: "\(folder)/curves.dat"))
    #expect(FileManager.default.fileExists(atPath: "\(folder)/curves.gp"))
    #expect(!FileManager.default.fileExists(atPath: "\(folder)/curves.png"))
    #expect(plotter.terminal(everyFigure[0].1) == nil)
  }

  @Test func aGnuplotErrorCarriesGnuplotsMessage() throws {
    let plotter = Plotter(directory: scratchFolder("error"))
    try #require(plotter.hasGnuplot)
    // Every value is ≤ 0, so a log axis has nothing to show: gnuplot refuses the plot.
    let bad = LinePlot(title: "bad", xLabel: "x", yLabel: "y", series: [Series("neg", x: [1, 2], y: [-1, -2])], logY: true)
    #expect {
      try plotter.save(bad, name: "bad")
    } throws: { error in
      let text = "\(error)"
      return text.hasPrefix("figure bad: gnuplot:") && text.count > "figure bad: gnuplot: ".count
    }
    #expect(!FileManager.default.fileExists(atPath: "\(plotter.directory)/bad.png"))
  }

  @Test func terminalRenderingIsText() throws {
    let plotter = Plotter(directory: scratchFolder("dumb"))
    try #require(plotter.hasGnuplot)
    let text = try #require(plotter.terminal(everyFigure[1].1, width: 60, height: 15))
    #expect(text.contains("Loss"))
    #expect(text.split(separator: "\n").count >= 10)
  }

  @Test func histogramBinsEveryValueOnce() {
    let h = Histogram(title: "h", xLabel: "x", series: [("a", [0, 0.5, 1, 1, 2, .nan])], bins: 2)
    let counts = h.data().split(separator: "\n").filter { !$0.hasPrefix("#") }.map { Int($0.split(separator: " ")[1])! }
    #expect(counts == [2, 3])  // [0, 1) holds 0 and 0.5; [1, 2] holds 1, 1 and 2; NaN is skipped
  }
}
