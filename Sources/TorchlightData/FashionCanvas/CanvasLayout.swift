/// One Fashion-MNIST item placed on a canvas: its pixels after resizing, where they went, and the
/// tight box around them.
struct CanvasItem {
  /// The Fashion-MNIST class, 0…9.
  let label: Int
  /// The resized item, `side × side` pixels in [0, 1], pasted with its top-left corner at (top, left).
  let pixels: [Float]
  let side: Int, top: Int, left: Int
  /// The smallest rectangle of canvas pixels holding every non-zero pixel of the item.
  let box: PixelWindow
}

extension FashionCanvas {
  /// Draws the items of canvas `index` from its own generator, seeded by the split's seed and the
  /// index, so any canvas can be made alone, in any order, always the same.
  ///
  /// Draw how many items (uniform in `items`); then for each, up to 50 tries: a random source
  /// image, a random side (uniform in `itemSizes`), a bilinear resize, a random position with the
  /// item inside the canvas. The try is kept when the item's tight box overlaps every box kept
  /// so far by at most `maxOverlap` of the smaller box's area (so no item is mostly hidden).
  func layout(at index: Int) -> [CanvasItem] {
    precondition(index >= 0 && index < count, "FashionCanvas: index \(index) is outside 0..<\(count)")
    let draws = UniformDraws(Generator(seed: seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15)))
    let wanted = items.lowerBound + draws.int(below: items.count)
    var placed: [CanvasItem] = []
    var tries = 0
    while placed.count < wanted && tries < 50 * wanted {
      tries += 1
      let source = draws.int(below: sourceCount)
      let side = itemSizes.lowerBound + draws.int(below: itemSizes.count)
      let top = draws.int(below: size - side + 1), left = draws.int(below: size - side + 1)
      var pixels = [Float](repeating: 0, count: side * side)
      sourceImages.withUnsafeElements(Float.self) { all in
        pixels.withUnsafeMutableBufferPointer { out in
          resampleBilinear(UnsafeBufferPointer(rebasing: all[(source * 784)..<((source + 1) * 784)]), width: 28,
                           window: PixelWindow(top: 0, left: 0, height: 28, width: 28), into: out, outHeight: side, outWidth: side)
        }
      }
      guard let tight = tightBox(pixels, side: side) else { continue }
      let box = PixelWindow(top: top + tight.top, left: left + tight.left, height: tight.height, width: tight.width)
      guard placed.allSatisfy({ overlapShare(box, $0.box) <= maxOverlap }) else { continue }
      placed.append(CanvasItem(label: sourceLabels[source], pixels: pixels, side: side, top: top, left: left, box: box))
    }
    return placed
  }

  /// Paints items in order onto a blank canvas, later ones on top: the image (item pixels where
  /// they are non-zero) and the class mask (0 for background, 1 + class where an item shows).
  func paint(_ placed: [CanvasItem]) -> (image: [Float], mask: [Int64]) {
    var image = [Float](repeating: 0, count: size * size), mask = [Int64](repeating: 0, count: size * size)
    for item in placed {
      for y in 0..<item.side {
        for x in 0..<item.side where item.pixels[y * item.side + x] > 0 {
          let at = (item.top + y) * size + item.left + x
          image[at] = item.pixels[y * item.side + x]
          mask[at] = Int64(1 + item.label)
        }
      }
    }
    return (image, mask)
  }
}

/// The smallest window of a `side × side` picture holding all its non-zero pixels, nil if none.
func tightBox(_ pixels: [Float], side: Int) -> PixelWindow? {
  var top = side, left = side, bottom = -1, right = -1
  for y in 0..<side {
    for x in 0..<side where pixels[y * side + x] > 0 {
      top = Swift.min(top, y); bottom = Swift.max(bottom, y)
      left = Swift.min(left, x); right = Swift.max(right, x)
    }
  }
  return bottom < 0 ? nil : PixelWindow(top: top, left: left, height: bottom - top + 1, width: right - left + 1)
}

/// The area two windows share, as a fraction of the smaller one's area.
func overlapShare(_ a: PixelWindow, _ b: PixelWindow) -> Double {
  let h = Swift.min(a.top + a.height, b.top + b.height) - Swift.max(a.top, b.top)
  let w = Swift.min(a.left + a.width, b.left + b.width) - Swift.max(a.left, b.left)
  guard h > 0 && w > 0 else { return 0 }
  return Double(h * w) / Double(Swift.min(a.area, b.area))
}
