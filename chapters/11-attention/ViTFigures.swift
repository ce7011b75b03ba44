import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// The cosine similarity of each patch's learned position embedding with every other's, as in
/// figure 7 of the ViT paper: one small (28/P)×(28/P) map per patch, placed where that patch
/// sits in the image; cell (r′, c′) of the map at (r, c) is cos(E_pos[r, c], E_pos[r′, c′]).
/// Nothing told the model that the patches lie on a grid; bright rows, columns or
/// neighbourhoods mean it learned the geometry from the data. The maps are drawn as one
/// matrix with an empty row and column between neighbours.
func positionSimilarityFigure(_ model: VisionTransformer, title: String) -> HeatMap {
  let g = model.patchEmbed.gridSize, similarity = positionSimilarities(model)
  let side = g * g + g - 1
  var mosaic = [[Double]](repeating: [Double](repeating: .nan, count: side), count: side)
  for i in 0..<(g * g) {
    for j in 0..<(g * g) {
      // Map i sits at block (i / g, i % g); its cell for patch j at (j / g, j % g) inside it.
      mosaic[(i / g) * (g + 1) + j / g][(i % g) * (g + 1) + j % g] = similarity[i * g * g + j]
    }
  }
  let blank = [String](repeating: "", count: side)
  return HeatMap(title: title, xLabel: "column of the patch", yLabel: "row of the patch", values: mosaic,
                 xTickLabels: blank, yTickLabels: blank)
}

/// cos(E_pos[i], E_pos[j]) for every pair of patches i, j (class token left out), row-major [N·N].
func positionSimilarities(_ model: VisionTransformer) -> [Double] {
  let n = model.config.numPatches
  let p = withNoGrad { model.posEmbed.narrow(axis: 0, start: 1, length: n).double() }
  let unit = p / (p * p).sum(axis: 1, keepDims: true).sqrt()
  return withNoGrad { unit.matmul(unit.t()) }.toDoubles()
}

/// The mean similarity of position embeddings of patches that share an edge, and of all other
/// pairs: one number for how much of the grid the model has learned.
func neighbourSimilarity(_ model: VisionTransformer) -> (neighbours: Double, others: Double) {
  let g = model.patchEmbed.gridSize, similarity = positionSimilarities(model)
  var neighbours: [Double] = [], others: [Double] = []
  for i in 0..<(g * g) {
    for j in 0..<(g * g) where j != i {
      let distance = abs(i / g - j / g) + abs(i % g - j % g)
      if distance == 1 { neighbours.append(similarity[i * g * g + j]) } else { others.append(similarity[i * g * g + j]) }
    }
  }
  func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
  return (mean(neighbours), mean(others))
}

/// Where the class token looks: test images (top row, the prediction and, when wrong, the
/// truth in brackets), then the last block's attention from
/// the class token to each patch, averaged over heads and then head by head, drawn over the
/// image. Each map is scaled to its own maximum and spread over its patch's P×P pixels.
func classTokenAttentionFigure(_ model: VisionTransformer, test: FashionMNIST, count: Int, title: String) -> ImageGrid {
  let images = test.images.narrow(axis: 0, start: 0, length: count).contiguous()
  let labels = test.labels.narrow(axis: 0, start: 0, length: count).toArray(Int64.self).map(Int.init)
  let predicted = withNoGrad { () -> [Int] in
    model.eval(); defer { model.train() }
    return model(images).argmax(axis: 1).toArray(Int64.self).map(Int.init)
  }
  let weights = model.classTokenAttention(images).double()             // [count, heads, N]
  let heads = weights.shape[1], g = model.patchEmbed.gridSize, p = model.config.patchSize
  let perHead = weights.toDoubles(), mean = weights.mean(axis: 1).toDoubles()

  /// N patch weights → a 28×28 map in 0…1, each patch's weight over its P×P pixels.
  func upsampled(_ w: ArraySlice<Double>) -> [Double] {
    let top = max(w.max() ?? 1, 1e-12), start = w.startIndex
    return (0..<(28 * 28)).map { k in w[start + (k / 28 / p) * g + (k % 28) / p] / top }
  }
  let pixels = images.double().toDoubles()
  var shown: [[Double]] = [], overlays: [[Double]?] = [], captions: [String] = [], wrong: [Bool] = []
  for row in 0..<(heads + 2) {
    for i in 0..<count {
      shown.append(Array(pixels[(i * 784)..<((i + 1) * 784)]))
      wrong.append(row == 0 && predicted[i] != labels[i])
      switch row {
      case 0:
        overlays.append(nil)
        let name = FashionMNIST.classNames[predicted[i]]
        captions.append(predicted[i] == labels[i] ? name : "\(name) (\(FashionMNIST.classNames[labels[i]]))")
      case 1:
        overlays.append(upsampled(mean[(i * g * g)..<((i + 1) * g * g)]))
        captions.append("mean")
      default:
        let h = row - 2, start = (i * heads + h) * g * g
        overlays.append(upsampled(perHead[start..<(start + g * g)]))
        captions.append("head \(h + 1)")
      }
    }
  }
  return ImageGrid(title: title, images: shown, height: 28, width: 28, columns: count, captions: captions,
                   highlighted: wrong, overlays: overlays)
}
