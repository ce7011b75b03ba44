import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

func drawCurves(_ plotter: Plotter, _ runs: [(String, [EpochStats])]) throws {
  let epochs = { (h: [EpochStats]) in h.indices.map { Double($0 + 1) } }
  var series: [Series] = []
  for (i, (name, history)) in runs.enumerated() {
    series.append(Series("\(name): train loss", x: epochs(history), y: history.map(\.trainLoss), style: .dashed, color: i))
    series.append(Series("\(name): test accuracy", x: epochs(history), y: history.map(\.testAccuracy), style: .linesPoints, color: i,
                         axis: .right))
  }
  try plotter.save(LinePlot(title: "Training loss (dashed, left axis) and test accuracy (solid, right axis) per epoch", xLabel: "epoch",
                            yLabel: "training loss", series: series, y2Label: "test accuracy"), name: "curves")
}

/// The first convolution's kernels, one image per (output channel, input channel) pair.
func drawKernels(_ plotter: Plotter, _ net: Module, name: String) throws {
  guard let conv = net.modules().compactMap({ $0 as? Conv2d }).first else { return }
  let w = conv.weight.detached()
  let (kh, kw) = (w.shape[2], w.shape[3])
  let count = min(w.shape[0], 32)
  try plotter.save(ImageGrid(title: "\(name): the \(w.shape[0]) kernels of the first convolution (\(kh)×\(kw))",
                             images: (0..<count).map { w[$0, 0].toDoubles() }, height: kh, width: kw, columns: min(count, 8),
                             captions: (0..<count).map { "channel \($0)" }, colorScale: .signed, colorLabel: "weight"),
                   name: "kernels", width: 900, height: count > 8 ? 520 : 260)
}

/// One test image through the network: the output of every convolution and pooling layer,
/// caught by forward hooks, first four channels each.
func drawFeatureMaps(_ plotter: Plotter, _ net: Module, image: Tensor, name: String) throws {
  var captured: [(String, Tensor)] = []
  var handles: [HookHandle] = []
  for (layerName, layer) in net.namedModules() where layer is Conv2d || layer is AvgPool2d || layer is MaxPool2d {
    handles.append(layer.registerForwardHook { _, _, output in
      captured.append(("\(layerName) \(type(of: layer))", output.detached()))
      return nil
    })
  }
  net.eval()
  _ = withNoGrad { net(image) }
  net.train()
  for h in handles { h.remove() }
  guard !captured.isEmpty else { return }
  // Every map is shown at the size of the largest, each pixel repeated (nearest neighbour). The
  // input is the first row, then one row per layer, named at its left with its range of values;
  // each row on its own signed colour scale (blue below zero, red above), since the layers'
  // ranges differ tenfold.
  let side = max(28, captured.map { $0.1.shape[2] }.max()!)
  func resized(_ values: [Double], _ h: Int, _ w: Int) -> [Double] {
    (0..<(side * side)).map { k in values[(k / side) * h / side * w + (k % side) * w / side] }
  }
  let perLayer = 4
  var images: [[Double]] = [resized(image.reshaped(28, 28).toDoubles(), 28, 28)] + Array(repeating: [], count: perLayer - 1)
  func largest(_ t: Tensor) -> String { String(format: "|v| ≤ %.2g", t.abs().max().item()) }
  var captions = ["28×28"] + Array(repeating: "", count: perLayer - 1), rows = ["input\n\(largest(image))"]
  for (label, maps) in captured {
    let channels = maps.shape[1], h = maps.shape[2], w = maps.shape[3]
    rows.append("\(label)\n\(channels)×\(h)×\(w)\n\(largest(maps[0, 0..<min(channels, perLayer)]))")
    for c in 0..<perLayer {
      images.append(c < channels ? resized(maps[0, c].toDoubles(), h, w) : [])
      captions.append(c < channels ? "channel \(c)" : "")
    }
  }
  try plotter.save(ImageGrid(title: "\(name): one image through the layers (first \(perLayer) channels of each)", images: images,
                             height: side, width: side, columns: perLayer, captions: captions,
                             colorScale: .signedPerRow, colorLabel: "value ÷ the row's largest |value|", rowLabels: rows),
                   name: "feature-maps", width: 1000, height: 200 * rows.count + 60)
}

/// Test images the network got wrong, with its guess and the truth.
func drawMistakes(_ plotter: Plotter, _ net: Module, test: FashionMNIST, name: String, count: Int = 20) throws {
  net.eval()
  defer { net.train() }
  let shown = min(test.count, 2000)
  let predicted = withNoGrad { net(test.images[0..<shown]).argmax(axis: 1) }.toArray(Int64.self)
  let truth = test.labels.toArray(Int64.self)
  let wrong = (0..<shown).filter { predicted[$0] != truth[$0] }.prefix(count)
  let names = FashionMNIST.classNames
  try plotter.save(ImageGrid(title: "\(name): misclassified test images, predicted (true)",
                             images: wrong.map { test.images[$0].toDoubles() }, height: 28, width: 28, columns: 10,
                             captions: wrong.map { "\(names[Int(predicted[$0])]) (\(names[Int(truth[$0])]))" },
                             highlighted: wrong.map { _ in true }), name: "mistakes", width: 1000, height: 360)
}
