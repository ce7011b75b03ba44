import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// Training loss (dashed) and test accuracy (solid) per epoch of each run.
func drawCurves(_ plotter: Plotter, _ runs: [(String, [EpochStats])], name: String, title: String) throws {
  var series: [Series] = []
  for (i, (label, history)) in runs.enumerated() {
    let epochs = history.indices.map { Double($0 + 1) }
    series.append(Series("\(label): train loss", x: epochs, y: history.map(\.trainLoss), style: .dashed, color: i))
    series.append(Series("\(label): test accuracy", x: epochs, y: history.map(\.testAccuracy), style: .linesPoints, color: i))
  }
  try plotter.save(LinePlot(title: title, xLabel: "epoch", yLabel: "loss / accuracy", series: series), name: name)
}

/// Three rows over the same test images: the images with the prediction (and the truth when
/// wrong), the class activation map over them, and Grad-CAM over them.
func drawActivationMaps(_ plotter: Plotter, _ maps: ActivationMaps, images: Tensor, labels: [Int], model: String) throws {
  let n = images.shape[0]
  let pictures = (0..<n).map { images[$0].toDoubles() }
  let names = FashionMNIST.classNames
  let captions = (0..<n).map { i in
    maps.predicted[i] == labels[i] ? names[labels[i]] : "\(names[maps.predicted[i]]) (\(names[labels[i]]))"
  }
  let cam = upsampledForDisplay(maps.cam), grad = upsampledForDisplay(maps.gradCAM)
  let (h, w) = (maps.cam.shape[1], maps.cam.shape[2])
  try plotter.save(ImageGrid(title: "\(model): test images; CAM (row 2) and Grad-CAM (row 3) of the predicted class, \(h)×\(w) maps upsampled to 28×28",
                             images: pictures + pictures + pictures, height: 28, width: 28, columns: n,
                             captions: captions + Array(repeating: "CAM", count: n) + Array(repeating: "Grad-CAM", count: n),
                             highlighted: captions.map { $0.contains("(") } + Array(repeating: false, count: 2 * n),
                             overlays: Array(repeating: nil, count: n) + cam.map { Optional($0) } + grad.map { Optional($0) }),
                   name: "cam-\(model)", width: 1100, height: 520)
}
