import Foundation
import Testing
@testable import TorchlightPlot

/// Realistic figures of every kind, the way the chapters draw them, for looking at by eye:
/// `TORCHLIGHT_PLOT_GALLERY=/tmp/gallery swift test --filter gallery` writes them there.
enum Gallery {
  /// A small seeded generator (SplitMix64), so the gallery is the same on every run.
  struct Random {
    var state: UInt64
    mutating func next() -> Double {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
    mutating func normal() -> Double {
      let u = max(next(), 1e-300), v = next()
      return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }
  }

  static let classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

  static func trainingCurves() -> LinePlot {
    var rng = Random(state: 1)
    let epochs = (1...20).map(Double.init)
    let train = epochs.map { 0.32 + 0.9 * Foundation.exp(-$0 / 3) + 0.01 * rng.normal() }
    let test = epochs.map { 0.38 + 0.85 * Foundation.exp(-$0 / 3.3) + 0.004 * $0 + 0.01 * rng.normal() }
    let acc = epochs.map { 0.86 - 0.3 * Foundation.exp(-$0 / 2.5) + 0.005 * rng.normal() }
    return LinePlot(title: "Softmax regression on Fashion-MNIST", xLabel: "epoch", yLabel: "value",
                    series: [Series("train loss", x: epochs, y: train), Series("test loss", x: epochs, y: test, style: .dashed),
                             Series("test accuracy", x: epochs, y: acc, style: .linesPoints)])
  }

  static func scatter() -> LinePlot {
    var rng = Random(state: 2)
    var series: [Series] = []
    for (k, (cx, cy)) in [(-1.5, 0.5), (1.2, 1.0), (0.0, -1.4)].enumerated() {
      let xs = (0..<150).map { _ in cx + 0.6 * rng.normal() }
      let ys = (0..<150).map { _ in cy + 0.6 * rng.normal() }
      series.append(Series("class \(k)", x: xs, y: ys, style: .points))
    }
    let line = (0..<50).map { -3 + 6 * Double($0) / 49 }
    series.append(Series("decision boundary", x: line, y: line.map { 0.4 * $0 - 0.2 }, style: .dashed))
    return LinePlot(title: "Three Gaussian blobs", xLabel: "x₁", yLabel: "x₂", series: series)
  }

  static func logLoss() -> LinePlot {
    let steps = (0..<300).map { Double($0 * 10 + 1) }
    let names = ["SGD", "SGD + momentum", "Adam", "RMSprop", "Adagrad"]
    let series = names.enumerated().map { k, name in
      Series(name, x: steps, y: steps.map { 2.3 * Foundation.pow($0, -0.25 - 0.1 * Double(k)) + 0.001 })
    }
    return LinePlot(title: "Optimizers compared", xLabel: "step", yLabel: "training loss", series: series, logX: true, logY: true)
  }

  static func histogram() -> Histogram {
    var rng = Random(state: 3)
    let layers = [("layer 1", 1.0), ("layer 3", 0.6), ("layer 5", 0.25)].map { name, s in
      (name: name, values: (0..<5000).map { _ in Foundation.tanh(s * 2 * rng.normal()) })
    }
    return Histogram(title: "Activations after tanh, by layer", xLabel: "activation", series: layers, bins: 40)
  }

  static func contour() -> ContourPlot {
    let xs = (0..<81).map { -2 + 4 * Double($0) / 80 }
    let ys = (0..<61).map { -1 + 3 * Double($0) / 60 }
    let rosen = { (x: Double, y: Double) in (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x) }
    let z = ys.map { y in xs.map { x in rosen(x, y) } }
    var px = -1.6, py = 1.8, vx = 0.0, vy = 0.0
    var path: [(Double, Double)] = [(px, py)]
    for _ in 0..<3000 {
      let gx = -2 * (1 - px) - 400 * px * (py - px * px), gy = 200 * (py - px * px)
      vx = 0.9 * vx - 0.0002 * gx; vy = 0.9 * vy - 0.0002 * gy
      px += vx; py += vy
      path.append((px, py))
    }
    let sampled = path.enumerated().filter { $0.offset < 40 || $0.offset % 40 == 0 }.map(\.element)
    return ContourPlot(title: "Rosenbrock loss surface, SGD with momentum", xLabel: "w₁", yLabel: "w₂", x: xs, y: ys, z: z,
                       levels: 15, logLevels: true,
                       overlays: [Series("momentum", x: sampled.map(\.0), y: sampled.map(\.1), style: .linesPoints),
                                  Series("minimum", x: [1], y: [1], style: .points)])
  }

  static func confusion() -> HeatMap {
    var rng = Random(state: 4)
    var m = [[Double]](repeating: [Double](repeating: 0, count: 10), count: 10)
    for i in 0..<10 {
      for j in 0..<10 { m[i][j] = i == j ? Double(Int(700 + 250 * rng.next())) : Double(Int(40 * Foundation.pow(rng.next(), 3))) }
    }
    m[6][0] = 160; m[0][6] = 110; m[4][2] = 130; m[2][4] = 90
    return HeatMap(title: "Confusion matrix (test set)", xLabel: "predicted", yLabel: "true", values: m,
                   xTickLabels: classes, yTickLabels: classes, showValues: true)
  }

  static func attention() -> HeatMap {
    let words = ["the", "cat", "sat", "on", "the", "mat", "."]
    var rng = Random(state: 5)
    let values = words.indices.map { i in
      let raw = words.indices.map { j in Foundation.exp(2 * rng.normal() - 0.3 * Double(abs(i - j))) }
      let total = raw.reduce(0, +)
      return raw.map { $0 / total }
    }
    return HeatMap(title: "Attention weights", xLabel: "key", yLabel: "query", values: values,
                   xTickLabels: words, yTickLabels: words)
  }

  /// 28×28 images: the first Fashion-MNIST test images when the dataset is installed, shapes otherwise.
  static func images(_ count: Int) -> [[Double]] {
    let file = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
    if FileManager.default.fileExists(atPath: file) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/gzip")
      process.arguments = ["-dc", file]
      let pipe = Pipe()
      process.standardOutput = pipe
      if (try? process.run()) != nil {
        let bytes = [UInt8](pipe.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        if bytes.count >= 16 + count * 784 {
          return (0..<count).map { k in bytes[(16 + k * 784)..<(16 + (k + 1) * 784)].map { Double($0) / 255 } }
        }
      }
    }
    return (0..<count).map { k in
      (0..<784).map { p in
        let r = Double(p / 28) - 13.5, c = Double(p % 28) - 13.5
        return max(0, 1 - abs((r * r + c * c).squareRoot() - Double(4 + k % 8)) / 2)
      }
    }
  }

  static func imageGrid() -> ImageGrid {
    let count = 24
    var rng = Random(state: 6)
    let truth = (0..<count).map { _ in Int(rng.next() * 10) }
    let wrong = (0..<count).map { _ in rng.next() < 0.2 }
    let captions = (0..<count).map { k in
      wrong[k] ? "\(classes[(truth[k] + 3) % 10])\n(\(classes[truth[k]]))" : classes[truth[k]]
    }
    return ImageGrid(title: "Predictions (true class in brackets when wrong)", images: images(count),
                     height: 28, width: 28, columns: 8, captions: captions, highlighted: wrong)
  }

  /// Softmax-regression-like weights: one signed 28×28 template per class.
  static func weights() -> ImageGrid {
    let pictures = images(10)
    let mean = (0..<784).map { p in pictures.reduce(0) { $0 + $1[p] } / 10 }
    return ImageGrid(title: "Learned weights, one image per class", images: pictures.map { zip($0, mean).map { $0 - $1 } },
                     height: 28, width: 28, columns: 5, captions: classes)
  }

  static func bigAttention() -> HeatMap {
    let n = 48
    let values = (0..<n).map { i in (0..<n).map { j in j > i ? 0 : Foundation.exp(-Double(i - j) / 6) } }
    return HeatMap(title: "Causal attention, 48 positions", xLabel: "key position", yLabel: "query position", values: values)
  }

  /// Thirty predictions with one-line captions "guess (truth)" that must wrap to fit.
  static func predictions() -> ImageGrid {
    var rng = Random(state: 7)
    let truth = (0..<30).map { _ in Int(rng.next() * 10) }
    let guess = truth.map { rng.next() < 0.25 ? ($0 + 6) % 10 : $0 }
    return ImageGrid(title: "Test images: predicted class (true class when wrong, in red)", images: images(30),
                     height: 28, width: 28, columns: 10,
                     captions: zip(guess, truth).map { $0 == $1 ? classes[$0] : "\(classes[$0]) (\(classes[$1]))" },
                     highlighted: zip(guess, truth).map { $0 != $1 })
  }

  static func all() -> [(String, any Figure, Int, Int)] {
    [("curves", trainingCurves(), 800, 500), ("scatter", scatter(), 800, 500), ("optimizers", logLoss(), 800, 500),
     ("histogram", histogram(), 800, 500), ("contour", contour(), 800, 600), ("confusion", confusion(), 800, 700),
     ("attention", attention(), 600, 550), ("images", imageGrid(), 900, 500),
     ("curves-small", trainingCurves(), 480, 320), ("curves-wide", trainingCurves(), 1200, 600),
     ("weights", weights(), 800, 500), ("predictions", predictions(), 1000, 520), ("attention-big", bigAttention(), 700, 600)]
  }
}

/// Writes the gallery (into `TORCHLIGHT_PLOT_GALLERY` when set, for looking at by eye, else into a
/// scratch folder) and checks what a learner would: every figure is a PNG of its requested size
/// beside its data and script, and every figure but an image grid can be drawn as text.
@Test("gallery: realistic figures at their sizes, as PNG and as terminal text", needsGnuplot)
func gallery() throws {
  let keep = ProcessInfo.processInfo.environment["TORCHLIGHT_PLOT_GALLERY"]
  let folder = keep ?? scratchFolder("gallery")
  defer { if keep == nil { try? FileManager.default.removeItem(atPath: folder) } }
  let plotter = Plotter(directory: folder)
  for (name, figure, width, height) in Gallery.all() {
    try plotter.save(figure, name: name, width: width, height: height)
    let png = try read(folder, "\(name).png")
    #expect(png.starts(with: pngSignature) && png.count > 2000, "\(name).png")
    // A PNG's IHDR chunk holds the width and height as big-endian 32-bit numbers at bytes 16 and 20.
    let size = { (at: Int) in png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    #expect(size(16) == width && size(20) == height, "\(name).png is \(size(16))×\(size(20)), asked for \(width)×\(height)")
    #expect(fileExists(folder, "\(name).dat") && fileExists(folder, "\(name).gp"))
  }
  // The same figures as text, as a training loop prints them.
  var text = ""
  for (name, figure, _, _) in Gallery.all() {
    let rendering = try #require(plotter.terminal(figure), "terminal rendering of \(name)")
    // gnuplot's text terminal draws no pixels: an image grid shows only its title and captions.
    #expect(figure is ImageGrid || rendering.split(separator: "\n").count > 5, "\(name) drawn as text")
    text += "\(name):\n" + rendering + "\n\n"
  }
  try text.write(toFile: (folder as NSString).appendingPathComponent("terminal.txt"), atomically: true, encoding: .utf8)
}
