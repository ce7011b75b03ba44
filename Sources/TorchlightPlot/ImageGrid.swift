import Foundation

/// Small grayscale images in a grid, each with a caption underneath: a batch of data,
/// predictions, learned weights, feature maps. Highlighted images (mistakes) get a red frame and
/// a red caption. Long captions wrap at spaces to the width of an image (`"Coat (Shirt)"` keeps
/// the bracketed part on one line); `\n` breaks a line where you want.
///
/// How values become colours is the grid's `ColorScale`: by default each image is scaled on its
/// own from its smallest value (black) to its largest (white), so pictures of any range show
/// their pattern; `.signed` draws signed data (weights, kernels, differences) in a blue–white–red
/// scale centred on zero, shared by every image and explained by a colour bar; `.shared` uses one
/// grey scale and a colour bar for all images, so brightness compares across them.
///
/// `rowLabels` names each row once, at its left, instead of under every image. An image with no
/// values (`[]`) leaves its cell empty, so a row can start a new kind of picture.
///
/// An image may carry an overlay: a heat map of the same size with values in 0…1 (a class
/// activation map, a saliency map), drawn over the grey image in colour (see
/// `ImageGrid+Overlay.swift`); or, with `overlayClasses`, a mask of class indices (a
/// segmentation), each class in its own colour and class 0 (background) left uncoloured.
public struct ImageGrid: CanvasFigure {
  public let title: String
  public let images: [[Double]]
  public let height: Int, width: Int, columns: Int
  public let captions: [String]
  public let highlighted: [Bool]
  /// Heat maps (0…1, `height × width` values) drawn over image k when `overlays[k]` is set.
  public let overlays: [[Double]?]
  /// When not empty, the overlays are class masks (0 ..< count, 0 the background) and these
  /// are the classes' names, shown on the colour bar.
  public let overlayClasses: [String]
  /// How values map to colours, and whether a colour bar explains them.
  public let colorScale: ColorScale
  /// The colour bar's label (with `.signed` or `.shared`, or overlays).
  public let colorLabel: String
  /// A name for each row, written once at its left.
  public let rowLabels: [String]
  /// Rectangles drawn over image k (`boxes[k]`): detections, anchors, ground truth.
  public let boxes: [[GridBox]]

  /// How an image grid turns values into colours.
  public enum ColorScale: Sendable {
    /// Each image from its own smallest value (black) to its largest (white); no colour bar.
    case perImage
    /// One grey scale from the smallest value of all images to the largest, with a colour bar.
    case shared
    /// Blue (negative), white (zero), red (positive), symmetric about zero and shared by all
    /// images, with a colour bar: the sign of a weight is read from its colour.
    case signed
    /// As `.signed`, but each row divided by its own largest |value|, for rows of different
    /// ranges (the layers of a network); the colour bar runs from −1 to 1.
    case signedPerRow
  }

  public init(title: String, images: [[Double]], height: Int, width: Int, columns: Int,
              captions: [String] = [], highlighted: [Bool] = [], overlays: [[Double]?] = [],
              overlayClasses: [String] = [],
              colorScale: ColorScale = .perImage, colorLabel: String = "", rowLabels: [String] = [],
              boxes: [[GridBox]] = []) {
    precondition(height > 0 && width > 0, "ImageGrid: height and width must be positive, not \(height)×\(width)")
    precondition(columns > 0, "ImageGrid: columns must be positive, not \(columns)")
    for (k, image) in images.enumerated() where !image.isEmpty {
      precondition(image.count == height * width,
                   "ImageGrid: image \(k) has \(image.count) values, not height × width = \(height)×\(width) = \(height * width)")
    }
    self.title = title; self.images = images; self.height = height; self.width = width
    self.columns = columns; self.captions = captions; self.highlighted = highlighted
    for case let (k, overlay?) in overlays.enumerated() {
      precondition(overlay.count == height * width,
                   "ImageGrid: overlay \(k) has \(overlay.count) values, not height × width = \(height * width)")
    }
    self.overlays = overlays
    self.overlayClasses = overlayClasses
    self.colorScale = colorScale; self.colorLabel = colorLabel; self.rowLabels = rowLabels
    self.boxes = boxes
  }

  /// The heat map over image k, if any.
  func overlay(_ k: Int) -> [Double]? { k < overlays.count ? overlays[k] : nil }

  /// The values the colour scale spans: those of image `k` alone (`.perImage`), or of every
  /// image, made symmetric about zero for `.signed`.
  func valueRange(_ k: Int) -> (lo: Double, hi: Double) {
    let row = (k / columns * columns)..<min(images.count, (k / columns + 1) * columns)
    let values: [Double] = switch colorScale {
    case .perImage: images[k]
    case .shared, .signed: images.flatMap { $0 }
    case .signedPerRow: images[row].flatMap { $0 }
    }
    let finite = values.filter(\.isFinite)
    var lo = finite.min() ?? 0, hi = finite.max() ?? 1
    if colorScale == .signed || colorScale == .signedPerRow { hi = max(abs(lo), abs(hi)); lo = -hi }
    return (lo, hi)
  }

  /// Whether a colour bar is drawn: for a scale shared by all images, or over heat maps.
  var hasColorBar: Bool { colorScale != .perImage || overlays.contains { $0 != nil } }

  /// Image `k` scaled to 0 (black) … 1 (white), non-finite values as NaN.
  func scaled(_ k: Int) -> [Double] {
    let (lo, hi) = valueRange(k)
    return images[k].map { v in v.isFinite ? (hi > lo ? (v - lo) / (hi - lo) : 0.5) : .nan }
  }

  /// The values written for image `k`: scaled to 0…1 when each image has its own scale, as they
  /// are when the colour bar's range says what they mean.
  func shown(_ k: Int) -> [Double] {
    switch colorScale {
    case .perImage: return scaled(k)
    case .shared, .signed: return images[k].map { $0.isFinite ? $0 : .nan }
    case .signedPerRow:
      let m = valueRange(k).hi
      return images[k].map { $0.isFinite ? (m > 0 ? $0 / m : 0) : .nan }
    }
  }

  /// The colours: grey, the diverging blue–white–red of signed data, or the heat maps' "jet".
  var palette: String {
    if colorScale == .signed || colorScale == .signedPerRow { return "set palette defined (0 '#2166ac', 0.25 '#67a9cf', 0.5 '#f7f7f7', 0.75 '#ef8a62', 1 '#b2182b')" }
    return "set palette gray"
  }

  /// Room for the row labels at the left, in characters.
  var leftMargin: Double { rowLabels.isEmpty ? 1 : Double((rowLabels.flatMap { $0.split(separator: "\n").map(\.count) }.max() ?? 0) + 2) }
  /// Room for the colour bar, its numbers and its label at the right, in characters.
  var rightMargin: Double { hasColorBar ? (colorLabel.isEmpty ? 9 : 12) : 1 }

  public func data() -> String {
    // One matrix per image (a line per image row), blocks two blank lines apart: `index k`.
    var text = "# \(images.count) images of \(height)x\(width), each scaled to 0 (black) .. 1 (white); index k is image k\n"
    for k in images.indices {
      if images[k].isEmpty {
        // An empty cell: one NaN pixel keeps the block (and every later index) in place.
        text += (k > 0 ? "\n\n" : "") + "# image \(k): empty\nNaN\n"
        continue
      }
      let caption = k < captions.count ? ": " + captions[k].replacingOccurrences(of: "\n", with: " ") : ""
      if k > 0 { text += "\n\n" }
      text += "# image \(k)\(caption)\n"
      let values = shown(k)
      if let heat = overlay(k) {
        text += overlaidRows(values, heat)
        continue
      }
      for r in 0..<height {
        var line = ""
        for c in 0..<width {
          let v = values[r * width + c]
          if c > 0 { line += " " }
          // Four digits are far finer than the 256 levels a PNG shows.
          line += v.isNaN ? "NaN" : v == 0 ? "0" : v == 1 ? "1" : String(format: colorScale == .perImage ? "%.4f" : "%.4g", v)
        }
        text += line + "\n"
      }
    }
    return text
  }

  /// Where everything goes, in image pixels: each cell is an image, a gap to its right and a
  /// band for its caption below. Captions are wrapped at spaces to the width of a cell as
  /// drawn on this canvas, and the band fits the longest caption.
  struct Layout {
    var gap: Double, band: Double, captions: [String]
    var columns: Int, rows: Int
    var cellWidth: Double, cellHeight: Double
    var totalWidth: Double { Double(columns) * cellWidth - gap }
    var totalHeight: Double { Double(rows) * cellHeight }
  }

  func layout(_ canvas: Canvas) -> Layout {
    let w = Double(width), h = Double(height)
    let gap = max(1, (w * 0.12).rounded())
    let used = max(1, min(columns, images.count)), rows = max(1, (images.count + columns - 1) / columns)
    let shown = images.indices.map { $0 < captions.count ? captions[$0] : "" }
    let hasCaptions = shown.contains { !$0.isEmpty }
    // A 9 pt caption: about 6 pixels a character (a little more, to be safe), 14 a line.
    let charWidth = canvas.isText ? 1 : 6.3, lineHeight = canvas.isText ? 1 : 14.0
    var band = hasCaptions ? (h * 0.36).rounded(.up) : gap
    var wrapped = shown
    for _ in 0..<3 {
      // Pixels per image pixel: the grid fills the plot area (less the title) in one direction.
      let areaWidth = canvas.width - (leftMargin + rightMargin) * canvas.charWidth, areaHeight = canvas.height - 3.5 * canvas.lineHeight
      let scale = max(0.01, min(areaWidth / (Double(used) * (w + gap) - gap), areaHeight / (Double(rows) * (h + band))))
      let budget = max(6, Int(0.9 * (w + gap) * scale / charWidth))
      wrapped = shown.map { Self.wrap($0, to: budget) }
      let lines = wrapped.map { $0.isEmpty ? 0 : $0.split(separator: "\n", omittingEmptySubsequences: false).count }.max() ?? 0
      // The first line's middle sits 0.9 of a line under the image; then a gap before the next row.
      if hasCaptions { band = max(gap, ((Double(lines) * lineHeight * 1.1 + lineHeight * 1.2) / scale).rounded(.up)) }
    }
    return Layout(gap: gap, band: band, captions: wrapped, columns: used, rows: rows, cellWidth: w + gap, cellHeight: h + band)
  }

  /// A caption broken at spaces into lines of at most `budget` characters where it can be
  /// (a longer word keeps its line; words in brackets stay together); explicit newlines stay.
  static func wrap(_ caption: String, to budget: Int) -> String {
    caption.split(separator: "\n", omittingEmptySubsequences: false).map { part -> String in
      // Words, with "(Ankle boot)" kept as one.
      var words: [String] = []
      var open = false
      for word in part.split(separator: " ") {
        if open, let last = words.popLast() { words.append(last + " " + word) } else { words.append(String(word)) }
        if word.hasPrefix("(") { open = true }
        if word.hasSuffix(")") { open = false }
      }
      var lines: [String] = [], line = ""
      for word in words {
        if line.isEmpty { line = String(word) } else if line.count + 1 + word.count <= budget { line += " " + word } else {
          lines.append(line); line = String(word)
        }
      }
      lines.append(line)
      return lines.joined(separator: "\n")
    }.joined(separator: "\n")
  }

  public func script(dataFile: String) -> String { script(dataFile: dataFile, canvas: .png) }

  func script(dataFile: String, canvas: Canvas) -> String {
    let layout = layout(canvas)
    var lines = [
      "set title \(Theme.quoted(title))",
      "unset key", "unset tics", "unset border", "unset colorbox", "unset grid",
      palette,
      "set xrange [-0.5:\(Theme.short(layout.totalWidth - 0.5))]",
      "set yrange [\(Theme.short(layout.totalHeight - 0.5)):-0.5]",  // row 0 at the top
      "set size ratio -1",
      "set margins \(Theme.short(leftMargin)), \(Theme.short(rightMargin)), 0.5, 3",
    ]
    let overlaid = overlays.contains { $0 != nil }
    if hasColorBar {
      // Heat maps over images: the colour bar shows their scale, 0 (least) to 1 (most).
      let classes = overlaid && !overlayClasses.isEmpty
      let (lo, hi) = classes ? (-0.5, Double(overlayClasses.count) - 0.5)
        : overlaid ? (0.0, 1.0) : colorScale == .signedPerRow ? (-1.0, 1.0) : valueRange(0)
      if classes {
        // One band of the bar per class, in the colour its pixels get; named, not numbered.
        let bands = overlayClasses.indices.map { k in
          "\(Theme.short(Double(k) - 0.5)) '\(Self.classHex(k))', \(Theme.short(Double(k) + 0.5)) '\(Self.classHex(k))'"
        }
        lines.append("set palette defined (\(bands.joined(separator: ", ")))")
      } else if overlaid {
        lines.append("set palette defined (0 '#000080', 0.125 '#0000ff', 0.375 '#00ffff', 0.625 '#ffff00', 0.875 '#ff0000', 1 '#800000')")
      }
      lines += ["set cbrange [\(Theme.short(lo)):\(Theme.short(hi > lo ? hi : lo + 1))]", "set colorbox",
                "set cbtics scale 0.5 nomirror out", "set style line 100 lc rgb '#4d4d4d' lw 1", "set colorbox border 100"]
      if !colorLabel.isEmpty { lines.append("set cblabel \(Theme.quoted(colorLabel)) offset 1,0") }
      // The bar is as tall as the grid is drawn: its tics spaced so that their labels fit.
      let areaWidth = canvas.width - (leftMargin + rightMargin) * canvas.charWidth, areaHeight = canvas.height - 3.5 * canvas.lineHeight
      let drawnHeight = min(areaHeight, areaWidth * layout.totalHeight / max(1, layout.totalWidth))
      if classes {
        lines.append("set cbtics (" + overlayClasses.enumerated().map { "\(Theme.quoted($0.element)) \($0.offset)" }.joined(separator: ", ") + ")")
      } else if let tics = Theme.ticks("cbtics", values: [lo, hi], range: lo...(hi > lo ? hi : lo + 1), length: drawnHeight, across: false, canvas: canvas) {
        lines.append(tics)
      }
    } else {
      lines.append("set cbrange [0:1]")
    }
    for (r, label) in rowLabels.prefix(layout.rows).enumerated() where !label.isEmpty {
      // At the left of the row, level with the middle of its images.
      let y = Double(r) * layout.cellHeight + Double(height) / 2 - 0.5
      lines.append("set label \(images.count + r + 1) \(Theme.quoted(label)) at -0.5,\(Theme.short(y)) right front offset -1,0 tc rgb '#222222' font ',10'")
    }
    var plots: [String] = []
    for k in images.indices where !images[k].isEmpty {
      let ox = Double(k % columns) * layout.cellWidth, oy = Double(k / columns) * layout.cellHeight
      let marked = k < highlighted.count && highlighted[k]
      let frame = marked ? "lc rgb '#d62728' lw 2.5" : "lc rgb '#bbbbbb' lw 0.5"
      lines.append("set object \(k + 1) rectangle from \(Theme.short(ox - 0.5)),\(Theme.short(oy - 0.5)) to \(Theme.short(ox + Double(width) - 0.5)),\(Theme.short(oy + Double(height) - 0.5)) fs empty border \(frame) front")
      if !layout.captions[k].isEmpty {
        let color = marked ? "#d62728" : "#222222"
        // Anchored at the image's lower edge and moved down a line: just under its image at any scale.
        lines.append("set label \(k + 1) \(Theme.quoted(layout.captions[k])) at \(Theme.short(ox + Double(width) / 2 - 0.5)),\(Theme.short(oy + Double(height) - 0.5)) center front offset 0,-0.9 tc rgb '\(color)' font ',9'")
      }
      // Beside heat maps the palette is the heat maps' own, so a plain image is drawn in grey as
      // an RGB image instead.
      let grey = "\(Theme.file(dataFile)) matrix index \(k) using ($1 + \(Theme.short(ox))):($2 + \(Theme.short(oy))):($3 * 255):($3 * 255):($3 * 255) with rgbimage notitle"
      plots.append(overlay(k) == nil
        ? (overlaid ? grey : "\(Theme.file(dataFile)) matrix index \(k) using ($1 + \(Theme.short(ox))):($2 + \(Theme.short(oy))):3 with image notitle")
        : "\(Theme.file(dataFile)) index \(k) using ($1 + \(Theme.short(ox))):($2 + \(Theme.short(oy))):3:4:5 with rgbimage notitle")
    }
    lines += boxLines(layout)
    // rgbimage draws no colour bar by itself: an invisible point coloured by the palette does.
    if overlaid { plots.append("'+' using (NaN):(NaN):(0) with points lc palette notitle") }
    lines.append(plots.isEmpty
      ? "set label 1 \"no images\" at graph 0.5, graph 0.5 center textcolor rgb '#888888'\nplot -1 notitle"
      : "plot " + plots.joined(separator: ", \\\n     "))
    return lines.joined(separator: "\n") + "\n"
  }
}
