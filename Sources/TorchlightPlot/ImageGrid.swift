/// Small grayscale images in a grid, each with a caption underneath (red when highlighted, for
/// mistakes): a batch of data, predictions, learned weights, feature maps.
public struct ImageGrid: Figure {
  public let title: String
  public let images: [[Double]]
  public let height: Int, width: Int, columns: Int
  public let captions: [String]
  public let highlighted: [Bool]

  public init(title: String, images: [[Double]], height: Int, width: Int, columns: Int,
              captions: [String] = [], highlighted: [Bool] = []) {
    precondition(images.allSatisfy { $0.count == height * width }, "ImageGrid: every image must have \(height)×\(width) values")
    precondition(columns > 0, "ImageGrid: columns must be positive")
    self.title = title; self.images = images; self.height = height; self.width = width
    self.columns = columns; self.captions = captions; self.highlighted = highlighted
  }

  /// Gap between images and room for a caption, in pixels of the images.
  var cellWidth: Int { width + 2 }
  var cellHeight: Int { height + max(4, height / 4) }
  var rows: Int { (images.count + columns - 1) / columns }

  public func data() -> String {
    // One regular grid over the whole canvas (gnuplot's `with image` needs every cell): each
    // image is scaled to 0…1 on its own and placed in its cell; gaps are NaN, drawn as white.
    let canvasWidth = columns * cellWidth, canvasHeight = rows * cellHeight
    var canvas = [Double](repeating: .nan, count: canvasWidth * canvasHeight)
    for (k, image) in images.enumerated() {
      let lo = image.min() ?? 0, hi = image.max() ?? 1
      let scale = hi > lo ? 1 / (hi - lo) : 1
      let ox = (k % columns) * cellWidth, oy = (k / columns) * cellHeight
      for r in 0..<height {
        for c in 0..<width { canvas[(oy + r) * canvasWidth + ox + c] = (image[r * width + c] - lo) * scale }
      }
    }
    var text = "# x y value (each image min-max scaled to 0..1; NaN between images)\n"
    for y in 0..<canvasHeight {
      for x in 0..<canvasWidth { text += "\(x) \(y) \(Style.number(canvas[y * canvasWidth + x]))\n" }
      text += "\n"
    }
    return text
  }

  public func script(dataFile: String) -> String {
    var lines = ["set title \(Style.quoted(title))", "unset key", "unset tics", "unset border", "unset colorbox",
                 "set palette gray", "set cbrange [0:1]",
                 "set xrange [-0.5:\(Double(columns * cellWidth) - 0.5)]", "set yrange [\(Double(rows * cellHeight) - 0.5):-0.5]",
                 "set size ratio \(Double(rows * cellHeight + 1) / Double(columns * cellWidth))",
                 "set lmargin 1", "set rmargin 1"]
    for (k, caption) in captions.enumerated() where k < images.count {
      let x = Double((k % columns) * cellWidth) + Double(width) / 2
      let y = Double((k / columns) * cellHeight + height) + Double(cellHeight - height) / 2
      let color = k < highlighted.count && highlighted[k] ? "#d62728" : "#222222"
      lines.append("set label \(k + 1) \(Style.quoted(caption)) at \(x),\(y) center front tc rgb '\(color)' font ',8'")
    }
    lines.append("plot \(Style.quoted(dataFile)) using 1:2:3 with image")
    return lines.joined(separator: "\n") + "\n"
  }
}
