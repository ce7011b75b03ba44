import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// Training loss (dashed, left axis) and test accuracy (solid, right axis) per epoch of each run.
func drawCurves(_ plotter: Plotter, _ runs: [(String, [EpochStats])], name: String, title: String) throws {
  var series: [Series] = []
  for (i, (label, history)) in runs.enumerated() {
    let epochs = history.indices.map { Double($0 + 1) }
    series.append(Series("\(label): train loss", x: epochs, y: history.map(\.trainLoss), style: .dashed, color: i))
    series.append(Series("\(label): test accuracy", x: epochs, y: history.map(\.testAccuracy), style: .linesPoints, color: i, axis: .right))
  }
  try plotter.save(LinePlot(title: title, xLabel: "epoch", yLabel: "training loss (dashed)", series: series,
                            y2Label: "test accuracy (solid)"), name: name)
}

/// With `--ema`: test accuracy per epoch of the moving average of the weights beside that of the
/// trained weights themselves, both scored after the same epochs.
func drawEMACurves(_ plotter: Plotter, _ history: [EpochStats], model: String, decay: Double) throws {
  let epochs = history.indices.map { Double($0 + 1) }
  let series = [
    Series("trained weights", x: epochs, y: history.map { $0.testAccuracyWithoutEMA ?? .nan }, style: .linesPoints, color: 0),
    Series("moving average, decay \(decay)", x: epochs, y: history.map(\.testAccuracy), style: .linesPoints, color: 1),
  ]
  try plotter.save(LinePlot(title: "\(model): test accuracy with and without the weights' moving average",
                            xLabel: "epoch", yLabel: "test accuracy", series: series), name: "ema-\(model)")
}

/// Four rows over the same test images: the images with the prediction (and the truth when
/// wrong), the class activation map, Grad-CAM on the same last maps (equal to the CAM's positive
/// part for this head, so the rows match), and Grad-CAM one stage earlier, where they differ.
func drawActivationMaps(_ plotter: Plotter, _ maps: ActivationMaps, images: Tensor, labels: [Int], model: String) throws {
  let n = images.shape[0]
  let pictures = (0..<n).map { images[$0].toDoubles() }
  let names = FashionMNIST.classNames
  let captions = (0..<n).map { i in
    maps.predicted[i] == labels[i] ? names[labels[i]] : "\(names[maps.predicted[i]]) (\(names[labels[i]]))"
  }
  let cam = upsampledForDisplay(maps.cam), grad = upsampledForDisplay(maps.gradCAM), early = upsampledForDisplay(maps.earlyGradCAM)
  let (h, w) = (maps.cam.shape[1], maps.cam.shape[2]), (h2, w2) = (maps.earlyGradCAM.shape[1], maps.earlyGradCAM.shape[2])
  try plotter.save(ImageGrid(title: "\(model): where the predicted class's evidence lies (maps upsampled to 28×28, each scaled to 0…1)",
                             images: pictures + pictures + pictures + pictures, height: 28, width: 28, columns: n,
                             captions: captions, highlighted: captions.map { $0.contains("(") },
                             overlays: Array(repeating: nil, count: n) + (cam + grad + early).map { Optional($0) },
                             colorLabel: "evidence (scaled)",
                             rowLabels: ["test image", "CAM\n\(h)×\(w)", "Grad-CAM\nsame maps\n(= CAM⁺)", "Grad-CAM\none stage\nearlier \(h2)×\(w2)"]),
                   name: "cam-\(model)", width: 1100, height: 640)
}
