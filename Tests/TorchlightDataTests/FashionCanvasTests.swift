import Foundation
import Testing
@testable import TorchlightData

/// Ten 28×28 "items": image k is a filled rectangle of value 0.2 + 0.07k (so its tight box is
/// smaller than the picture), class k.
func rectangleItems(train: Bool = false) -> FashionMNIST {
  var pixels = [Float](repeating: 0, count: 10 * 784)
  for k in 0..<10 {
    for y in (3 + k % 5)..<(22 - k % 4) { for x in (5 + k % 3)..<(24 - k % 5) { pixels[k * 784 + y * 28 + x] = 0.2 + 0.07 * Float(k) } }
  }
  return FashionMNIST(images: Tensor(pixels, shape: [10, 1, 28, 28]), labels: Tensor((0..<10).map(Int64.init), shape: [10]), isTraining: train)
}

/// The boxes of an example as pixel windows.
func windows(_ example: FashionCanvas.Example) -> [PixelWindow] {
  let b = example.boxes.toArray(Float.self).map(Int.init)
  return (0..<(b.count / 4)).map { PixelWindow(top: b[4 * $0 + 1], left: b[4 * $0], height: b[4 * $0 + 3] - b[4 * $0 + 1], width: b[4 * $0 + 2] - b[4 * $0]) }
}

@Suite("FashionCanvas") struct FashionCanvasTests {
  let canvases = FashionCanvas(source: rectangleItems(), count: 300)

  @Test func boxesAreTightAroundEachItem() {
    for index in 0..<100 {
      for item in canvases.layout(at: index) {
        // The box is the extent of the item's non-zero pixels, inside the pasted square.
        var rows: [Int] = [], cols: [Int] = []
        for y in 0..<item.side { for x in 0..<item.side where item.pixels[y * item.side + x] > 0 { rows.append(item.top + y); cols.append(item.left + x) } }
        #expect(item.box == PixelWindow(top: rows.min()!, left: cols.min()!, height: rows.max()! - rows.min()! + 1, width: cols.max()! - cols.min()! + 1))
        #expect(item.box.area < item.side * item.side, "the tight box, not the pasted square")
      }
    }
    // Apart (no overlap allowed), each box holds exactly its own item's mask pixels, edge to edge.
    let apart = FashionCanvas(source: rectangleItems(), count: 50, maxOverlap: 0)
    for index in 0..<50 {
      let example = apart[index]
      let mask = example.mask.toArray(Int64.self), labels = example.labels.toArray(Int64.self)
      var covered = Set<Int>()
      for (box, label) in zip(windows(example), labels) {
        var rows: [Int] = [], cols: [Int] = []
        for y in box.top..<(box.top + box.height) {
          for x in box.left..<(box.left + box.width) where mask[y * 64 + x] != 0 {
            #expect(mask[y * 64 + x] == label + 1)
            rows.append(y); cols.append(x); covered.insert(y * 64 + x)
          }
        }
        #expect(rows.min() == box.top && rows.max() == box.top + box.height - 1 && cols.min() == box.left && cols.max() == box.left + box.width - 1)
      }
      #expect(covered.count == mask.filter { $0 != 0 }.count, "no item pixel outside the boxes")
    }
  }

  @Test func masksAgreeWithImagesAndBoxes() {
    for index in 0..<100 {
      let example = canvases[index]
      let image = example.image.toArray(Float.self), mask = example.mask.toArray(Int64.self), labels = example.labels.toArray(Int64.self)
      let boxes = windows(example)
      #expect(example.image.shape == [1, 64, 64] && example.mask.shape == [64, 64])
      #expect(image.allSatisfy { $0 >= 0 && $0 <= 1 })
      for p in 0..<(64 * 64) {
        #expect((mask[p] > 0) == (image[p] > 0))
        guard mask[p] > 0 else { continue }
        // A pixel of class c lies in a box of class c, and its value is that item's (the rectangles are flat).
        let (y, x) = (p / 64, p % 64)
        let owners = boxes.indices.filter { b in
          labels[b] + 1 == mask[p] && y >= boxes[b].top && y < boxes[b].top + boxes[b].height && x >= boxes[b].left && x < boxes[b].left + boxes[b].width
        }
        #expect(!owners.isEmpty, "canvas \(index) pixel (\(y), \(x)) of class \(mask[p] - 1) is in no box of its class")
      }
    }
  }

  @Test func countsSizesAndOverlap() {
    var counts: [Int: Int] = [:]
    for index in 0..<300 {
      let example = canvases[index], boxes = windows(example)
      counts[boxes.count, default: 0] += 1
      #expect(example.labels.shape == [boxes.count] && example.boxes.shape == [boxes.count, 4])
      for box in boxes {
        #expect(box.top >= 0 && box.left >= 0 && box.top + box.height <= 64 && box.left + box.width <= 64)
        #expect(box.height <= 40 && box.width <= 40 && box.height >= 1)
      }
      for i in boxes.indices { for j in boxes.indices where i < j { #expect(overlapShare(boxes[i], boxes[j]) <= 0.25) } }
    }
    #expect(counts.keys.sorted() == [1, 2, 3, 4], "\(counts)")
    #expect(counts.values.allSatisfy { $0 > 50 }, "item counts are drawn uniformly from 1…4: \(counts)")
  }

  @Test func aFixedSeedGivesTheSameCanvasesInAnyOrder() {
    let again = FashionCanvas(source: rectangleItems(), count: 300)
    #expect(canvases.seed == FashionCanvas.testSeed && FashionCanvas(source: rectangleItems(train: true), count: 1).seed == FashionCanvas.trainSeed)
    let late = again[250].image.toDoubles()
    _ = again[3]
    #expect(canvases[250].image.toDoubles() == late && canvases[250].mask.toDoubles() == again[250].mask.toDoubles())
    #expect(canvases[3].boxes.toDoubles() == again[3].boxes.toDoubles())
    #expect(FashionCanvas(source: rectangleItems(), count: 300, seed: 5)[250].image.toDoubles() != late)
    #expect(canvases[0].image.toDoubles() != canvases[1].image.toDoubles())
  }

  @Test func batchesPadBoxesAndLabels() {
    let batch = canvases.batch(at: [4, 9, 4])
    #expect(batch.images.shape == [3, 1, 64, 64] && batch.boxes.shape == [3, 4, 4] && batch.labels.shape == [3, 4] && batch.masks.shape == [3, 64, 64])
    let labels = batch.labels.toArray(Int64.self)
    for (row, index) in [4, 9, 4].enumerated() {
      let example = canvases[index], k = example.labels.count
      #expect(Array(labels[(row * 4)..<(row * 4 + k)]) == example.labels.toArray(Int64.self))
      #expect(labels[(row * 4 + k)..<(row * 4 + 4)].allSatisfy { $0 == -1 })
      #expect(batch.boxes[row].narrow(axis: 0, start: 0, length: k).toDoubles() == example.boxes.toDoubles())
      #expect(batch.masks[row].toDoubles() == example.mask.toDoubles())
    }
    #expect(DataLoader(canvases, batchSize: 64).count == 5)
  }

  @Test func flippedBatchesKeepBoxesAndMasksTogether() {
    let apart = FashionCanvas(source: rectangleItems(), count: 40, maxOverlap: 0)
    let batch = apart.batch(at: Array(0..<40))
    let flipped = batch.randomHorizontalFlip(p: 1, generator: Generator(seed: 1))
    #expect(flipped.randomHorizontalFlip(p: 1, generator: Generator(seed: 2)).boxes.toDoubles() == batch.boxes.toDoubles())
    #expect(flipped.images[3, 0, 5].toDoubles() == batch.images[3, 0, 5].toDoubles().reversed())
    // Each flipped box still holds exactly its item's mask pixels, edge to edge.
    let masks = flipped.masks.toArray(Int64.self), labels = flipped.labels.toArray(Int64.self), corners = flipped.boxes.toArray(Float.self)
    for i in 0..<40 {
      for k in 0..<4 where labels[i * 4 + k] >= 0 {
        let at = (i * 4 + k) * 4
        let (x1, y1, x2, y2) = (Int(corners[at]), Int(corners[at + 1]), Int(corners[at + 2]), Int(corners[at + 3]))
        var columns: [Int] = []
        for y in y1..<y2 { for x in x1..<x2 where masks[(i * 64 + y) * 64 + x] == labels[i * 4 + k] + 1 { columns.append(x) } }
        #expect(columns.min() == x1 && columns.max() == x2 - 1)
      }
    }
    let half = batch.randomHorizontalFlip(generator: Generator(seed: 3)).images.toDoubles(), original = batch.images.toDoubles()
    let changed = (0..<40).filter { i in half[(i * 4096)..<((i + 1) * 4096)] != original[(i * 4096)..<((i + 1) * 4096)] }.count
    #expect(changed > 10 && changed < 30, "\(changed) of 40 flipped with p = 0.5")
  }

  @Test func badSettingsAreNamed() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = FashionCanvas(source: rectangleItems(), count: 10, itemSizes: 16...80)
    }
    #expect(childStderr(result).contains("FashionCanvas: itemSizes 16...80 must lie within 1...64 (the canvas size)"))
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultFolder + "/t10k-labels-idx1-ubyte.gz"),
                 "Debian's dataset-fashion-mnist is not installed (make setup installs it)"))
  func realTestCanvases() throws {
    let test = FashionCanvas(source: try FashionMNIST(train: false), count: 10_000)
    #expect(test.seed == FashionCanvas.testSeed)
    var items = 0, covered = 0
    for index in 0..<100 {
      let example = test[index], boxes = windows(example)
      items += boxes.count
      covered += example.mask.toArray(Int64.self).filter { $0 > 0 }.count
      #expect((1...4).contains(boxes.count))
    }
    // About 2.5 items per canvas, covering a fair share of it.
    #expect(items > 200 && items < 300, "\(items) items on 100 canvases")
    #expect(Double(covered) / Double(100 * 64 * 64) > 0.1, "item pixels cover \(covered) of \(100 * 64 * 64)")
  }
}
