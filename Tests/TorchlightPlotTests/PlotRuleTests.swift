import Foundation
import Testing
@testable import TorchlightPlot

/// The house rules that keep figures readable without per-figure fixes: tic labels that never
/// touch, a second y axis for a second kind of value, panels that can share their y axis, signed
/// images in a diverging scale with a colour bar, and row labels written once.
@Suite("Plot rules") struct PlotRuleTests {
  @Test func ticStepsAreOneTwoOrFiveTimesAPowerOfTen() {
    #expect(Theme.tickStep(span: 175_000, maxTicks: 6) == 50_000)
    #expect(Theme.tickStep(span: 0.1, maxTicks: 6) == 0.02)
    #expect(Theme.tickStep(span: 97, maxTicks: 5) == 20)
    #expect(Theme.tickStep(span: 1, maxTicks: 10) == 0.1)
    #expect(Theme.tickStep(span: 0, maxTicks: 5) == nil)
  }

  /// The x tic labels of a plot of large numbers fit side by side in the width of a narrow panel.
  @Test func xTicLabelsFitTheirPanel() throws {
    let xs = (0...175).map { Double($0) * 1000 }
    let plot = LinePlot(title: "loss", xLabel: "examples", yLabel: "loss", series: [Series("a", x: xs, y: xs.map { 1 / (1 + $0) })])
    let canvas = Canvas(width: 600, height: 500, isText: false)
    let script = plot.script(dataFile: "d.dat", canvas: canvas, firstBlock: 0)
    let line = try #require(script.split(separator: "\n").first { $0.hasPrefix("set xtics ") })
    let step = try #require(Double(line.dropFirst("set xtics ".count)))
    let labels = (175_000 / step).rounded(.down) + 1
    #expect(labels * Double("175000".count + 2) * canvas.charWidth <= canvas.plotWidth, "\(line)")
  }

  @Test func aLogAxisOverAFewValuesHasATicAtEach() {
    let plot = LinePlot(title: "batch size", xLabel: "batch", yLabel: "accuracy",
                        series: [Series("bn", x: [2, 8, 64], y: [0.86, 0.86, 0.84], style: .linesPoints)], logX: true)
    #expect(plot.script(dataFile: "d.dat").contains("set xtics (\"2\" 2, \"8\" 8, \"64\" 64)"))
  }

  @Test func rightAxisSeriesAreReadAgainstTheirOwnAxis() {
    let plot = LinePlot(title: "training", xLabel: "epoch", yLabel: "loss",
                        series: [Series("loss", x: [1, 2, 3], y: [2, 1, 0.5]), Series("accuracy", x: [1, 2, 3], y: [0.5, 0.7, 0.8], axis: .right)],
                        y2Label: "accuracy")
    let script = plot.script(dataFile: "d.dat")
    #expect(script.contains("set y2label \"accuracy\""))
    #expect(script.contains("index 1 using 1:2 axes x1y2"))
    #expect(!script.contains("index 0 using 1:2 axes x1y2"))
    #expect(script.contains("set ytics nomirror"))
  }

  @Test func panelsCanShareTheirYAxis() {
    let a = LinePlot(title: "a", xLabel: "x", yLabel: "y", series: [Series("a", x: [0, 1], y: [0.03, 0.1])])
    let b = LinePlot(title: "b", xLabel: "x", yLabel: "y", series: [Series("b", x: [0, 1], y: [0, 0.05])])
    let shared = PlotGrid(title: "both", panels: [a, b], columns: 2, sharedY: true).script(dataFile: "d.dat")
    #expect(shared.components(separatedBy: "set yrange [0:0.1]").count == 3)
    let own = PlotGrid(title: "both", panels: [a, b], columns: 2).script(dataFile: "d.dat")
    #expect(!own.contains("set yrange"))
  }

  @Test func signedImagesShareADivergingScaleCentredOnZero() {
    let grid = ImageGrid(title: "kernels", images: [[-2, 0, 1, 0.5], [0.25, -0.5, 0, 1]], height: 2, width: 2, columns: 2,
                         colorScale: .signed, colorLabel: "weight")
    let script = grid.script(dataFile: "d.dat")
    #expect(script.contains("set cbrange [-2:2]"))
    #expect(script.contains("'#f7f7f7'"), "white in the middle of the palette")
    #expect(script.contains("set colorbox") && script.contains("set cblabel \"weight\""))
    // The values are written as they are: the colour bar says what they mean.
    #expect(grid.data().contains("-0.5"))
  }

  @Test func rowsOfDifferentRangesEachFillTheScale() {
    let grid = ImageGrid(title: "layers", images: [[1, -2, 0, 0], [0, 0, 0, 1], [10, 0, 0, -40], [5, 5, 5, 5]], height: 2, width: 2,
                         columns: 2, colorScale: .signedPerRow)
    #expect(grid.shown(0) == [0.5, -1, 0, 0])
    #expect(grid.shown(3) == [0.125, 0.125, 0.125, 0.125])
    #expect(grid.script(dataFile: "d.dat").contains("set cbrange [-1:1]"))
  }

  /// Beside heat maps, whose palette is "jet", a plain image is still drawn in grey.
  @Test func plainImagesBesideHeatMapsStayGrey() {
    let image = [0.0, 1, 2, 3]
    let grid = ImageGrid(title: "cam", images: [image, image], height: 2, width: 2, columns: 2, overlays: [nil, [0, 0.5, 1, 0.5]])
    let script = grid.script(dataFile: "d.dat")
    let lines = script.split(separator: "\n")
    #expect(lines.contains { $0.contains("matrix index 0 using") && $0.contains(":($3 * 255):($3 * 255):($3 * 255) with rgbimage") })
    #expect(lines.contains { $0.contains("index 1 using") && $0.contains(":3:4:5 with rgbimage") })
  }

  /// A class overlay leaves background pixels grey, mixes each class's pixels with its line
  /// colour (class 1 is the first, blue #1f77b4), and names the classes on the colour bar.
  @Test func classOverlaysColourClassesAndLeaveTheBackground() {
    let grid = ImageGrid(title: "masks", images: [[0.0, 0.0, 1, 1]], height: 2, width: 2, columns: 1,
                         overlays: [[0, 1, 0, 2]], overlayClasses: ["background", "shirt", "boot"])
    let rows = grid.data().split(separator: "\n").filter { !$0.hasPrefix("#") }
    #expect(rows[0] == "0 0 0 0 0")                     // background on black stays black
    #expect(rows[1] == "1 0 16 60 90")                  // ½·0 + ½·(31, 119, 180)
    #expect(rows[2] == "0 1 255 255 255")               // background on white stays white
    #expect(rows[3] == "1 1 255 191 135")               // ½·255 + ½·(255, 127, 14)
    let script = grid.script(dataFile: "d.dat")
    #expect(script.contains("set cbtics (\"background\" 0, \"shirt\" 1, \"boot\" 2)"))
    #expect(script.contains("set cbrange [-0.5:2.5]"))
  }

  @Test func perImageScalingDrawsNoColourBar() {
    let grid = ImageGrid(title: "pictures", images: [[0, 1, 2, 3]], height: 2, width: 2, columns: 1)
    let lines = grid.script(dataFile: "d.dat").split(separator: "\n")
    #expect(lines.contains("unset colorbox"))
    #expect(!lines.contains { $0.hasPrefix("set colorbox") })
  }

  @Test func emptyCellsAreSkippedAndRowsLabelledOnce() {
    let image = [0.0, 1, 2, 3]
    let grid = ImageGrid(title: "layers", images: [image, [], image, image], height: 2, width: 2, columns: 2,
                         rowLabels: ["input", "conv 1"])
    let script = grid.script(dataFile: "d.dat")
    #expect(script.contains("matrix index 0 ") && !script.contains("matrix index 1 ") && script.contains("matrix index 3 "))
    #expect(script.contains("\"input\" at -0.5,") && script.contains("\"conv 1\" at -0.5,"))
    // The empty cell keeps its data block, so image 3 is still block 3.
    #expect(grid.data().components(separatedBy: "# image").count == 5)
  }

  @Test(needsGnuplot) func theNewKindsDrawWithoutGnuplotErrors() throws {
    let folder = scratchFolder("rules")
    let plotter = Plotter(directory: folder)
    let image = (0..<16).map { Double($0) - 8 }
    try plotter.save(ImageGrid(title: "signed", images: [image, [], image], height: 4, width: 4, columns: 3, overlays: [],
                               colorScale: .signed, colorLabel: "value", rowLabels: ["row"]), name: "signed")
    try plotter.save(ImageGrid(title: "heat", images: [image], height: 4, width: 4, columns: 1,
                               overlays: [(0..<16).map { Double($0) / 15 }], colorLabel: "heat"), name: "heat")
    try plotter.save(LinePlot(title: "two axes", xLabel: "epoch", yLabel: "loss",
                              series: [Series("loss", x: [1, 2], y: [1, 0.5]), Series("acc", x: [1, 2], y: [0.6, 0.8], axis: .right)],
                              y2Label: "accuracy"), name: "axes")
    for name in ["signed", "heat", "axes"] {
      #expect(try read(folder, "\(name).png").prefix(8).elementsEqual(pngSignature))
    }
  }
}
