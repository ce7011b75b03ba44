/// A detection and segmentation data set made from Fashion-MNIST (issue 26): 1 to 4 clothing
/// items at random sizes and places on a black `size × size` canvas, with exact ground truth —
/// the tight box and class of every item, and a class for every pixel.
///
/// Canvases are generated when asked for, each from its own seed (the split's seed and the
/// index), so the same index always gives the same canvas and nothing is stored. Build the test
/// canvases from Fashion-MNIST's test split (`FashionMNIST(train: false)`) so that no test item
/// was seen in training; the split's seed is fixed (`testSeed`), so the test canvases never change.
///
/// - Boxes are pixel-edge corners (x₁, y₁, x₂, y₂): the item's non-zero pixels after resizing
///   fill columns x₁..<x₂ and rows y₁..<y₂ (divide by `size` for the 0…1 coordinates of
///   `multiboxPrior`). A box is the whole item's, even where a later item covers part of it.
/// - The mask is 0 for background and 1 + class where an item's pixel is non-zero; where items
///   overlap, the later one is on top, in the image as in the mask.
public struct FashionCanvas: BatchDataset {
  /// One canvas.
  public struct Example {
    /// The canvas `[1, size, size]`, float32 in [0, 1].
    public let image: Tensor
    /// `[k, 4]` float32 corner boxes in pixels, one per item, in painting order.
    public let boxes: Tensor
    /// int64 `[k]` Fashion-MNIST classes 0…9.
    public let labels: Tensor
    /// int64 `[size, size]`: 0 for background, 1 + class for item pixels.
    public let mask: Tensor
  }

  /// Canvases stacked, with boxes and labels padded to `items.upperBound` per canvas.
  public struct Batch {
    /// `[B, 1, size, size]`.
    public let images: Tensor
    /// `[B, maxItems, 4]`, zeros where padded.
    public let boxes: Tensor
    /// int64 `[B, maxItems]`, −1 where padded (what `multiboxTarget` expects).
    public let labels: Tensor
    /// int64 `[B, size, size]`.
    public let masks: Tensor
  }

  /// The fixed seeds of the two splits.
  public static let trainSeed: UInt64 = 16_001, testSeed: UInt64 = 16_002

  public let count: Int
  public let seed: UInt64
  public let size: Int
  public let items: ClosedRange<Int>
  public let itemSizes: ClosedRange<Int>
  public let maxOverlap: Double
  let sourceImages: Tensor
  let sourceLabels: [Int]
  var sourceCount: Int { sourceLabels.count }

  /// `count` canvases made from the items of `source`.
  ///
  /// - Parameters:
  ///   - seed: defaults to `testSeed` for a test split and `trainSeed` for a training split.
  ///   - items: how many items a canvas holds (fewer only if 50 tries per item cannot place them).
  ///   - itemSizes: the side of a resized 28×28 item, in pixels.
  ///   - maxOverlap: the largest share of an item's box that another item's box may cover.
  public init(source: FashionMNIST, count: Int, seed: UInt64? = nil, size: Int = 64, items: ClosedRange<Int> = 1...4,
              itemSizes: ClosedRange<Int> = 16...40, maxOverlap: Double = 0.25) {
    precondition(count >= 0, "FashionCanvas: count must not be negative, got \(count)")
    precondition(source.count > 0 && source.images.shape.suffix(3) == [1, 28, 28],
                 "FashionCanvas: the source must hold 28×28 Fashion-MNIST images, got \(source.images.shape)")
    precondition(items.lowerBound >= 1, "FashionCanvas: items \(items) must start at 1 or more")
    precondition(itemSizes.lowerBound >= 1 && itemSizes.upperBound <= size,
                 "FashionCanvas: itemSizes \(itemSizes) must lie within 1...\(size) (the canvas size)")
    precondition((0...1).contains(maxOverlap), "FashionCanvas: maxOverlap must lie in [0, 1], got \(maxOverlap)")
    self.count = count
    self.seed = seed ?? (source.isTraining ? Self.trainSeed : Self.testSeed)
    (self.size, self.items, self.itemSizes, self.maxOverlap) = (size, items, itemSizes, maxOverlap)
    sourceImages = source.images.contiguous().float()
    sourceLabels = source.labels.toArray(Int64.self).map(Int.init)
  }

  public subscript(index: Int) -> Example {
    let placed = layout(at: index)
    let (image, mask) = paint(placed)
    let boxes = placed.flatMap { [$0.box.left, $0.box.top, $0.box.left + $0.box.width, $0.box.top + $0.box.height].map(Float.init) }
    return Example(image: Tensor(image, shape: [1, size, size]), boxes: Tensor(boxes, shape: [placed.count, 4]),
                   labels: Tensor(placed.map { Int64($0.label) }, shape: [placed.count]), mask: Tensor(mask, shape: [size, size]))
  }

  public func batch(at indices: [Int]) -> Batch {
    let examples = indices.map { self[$0] }
    let most = items.upperBound, b = indices.count
    var boxes = [Float](repeating: 0, count: b * most * 4), labels = [Int64](repeating: -1, count: b * most)
    for (i, example) in examples.enumerated() {
      let k = example.labels.count
      boxes.replaceSubrange((i * most * 4)..<(i * most * 4 + k * 4), with: example.boxes.toArray(Float.self))
      labels.replaceSubrange((i * most)..<(i * most + k), with: example.labels.toArray(Int64.self))
    }
    return Batch(images: b == 0 ? Tensor.zeros([0, 1, size, size]) : Tensor.stack(examples.map(\.image)),
                 boxes: Tensor(boxes, shape: [b, most, 4]), labels: Tensor(labels, shape: [b, most]),
                 masks: b == 0 ? Tensor.zeros([0, size, size], dtype: .int64) : Tensor.stack(examples.map(\.mask)))
  }
}
