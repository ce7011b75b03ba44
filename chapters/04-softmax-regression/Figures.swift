import ChapterKit
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// Training curves of both versions: losses on the left axis, test accuracy on the right. A
/// colour per quantity, a style per version (concise: points; scratch: dashed), so where the two
/// versions agree the dashes run through the points instead of hiding them.
func drawCurves(_ plotter: Plotter, scratch: [EpochStats], concise: [EpochStats]) throws {
  let epochs = { (h: [EpochStats]) in h.indices.map { Double($0 + 1) } }
  try plotter.save(LinePlot(
    title: "Softmax regression on Fashion-MNIST: from scratch (dashed) and concise (points)", xLabel: "epoch", yLabel: "cross-entropy loss",
    series: [
      Series("train loss (concise)", x: epochs(concise), y: concise.map(\.trainLoss), style: .linesPoints, color: 0),
      Series("train loss (scratch)", x: epochs(scratch), y: scratch.map(\.trainLoss), style: .dashed, color: 0),
      Series("test loss (concise)", x: epochs(concise), y: concise.map(\.testLoss), style: .linesPoints, color: 1),
      Series("test accuracy (concise)", x: epochs(concise), y: concise.map(\.testAccuracy), style: .linesPoints, color: 2, axis: .right),
      Series("test accuracy (scratch)", x: epochs(scratch), y: scratch.map(\.testAccuracy), style: .dashed, color: 2, axis: .right),
    ], y2Label: "test accuracy"), name: "curves")
}

/// The first test images with the model's guess; a wrong guess is red and shows the truth.
func drawPredictions(_ plotter: Plotter, test: FashionMNIST, scores: Tensor, count: Int = 30) throws {
  let predicted = scores.argmax(axis: 1).toArray(Int64.self), truth = test.labels.toArray(Int64.self)
  let names = FashionMNIST.classNames
  let shown = Array(0..<min(count, test.count))
  try plotter.save(ImageGrid(
    title: "Test images: predicted class (true class when wrong, in red)",
    images: shown.map { test.images[$0].toDoubles() }, height: 28, width: 28, columns: 10,
    captions: shown.map { predicted[$0] == truth[$0] ? names[Int(predicted[$0])] : "\(names[Int(predicted[$0])]) (\(names[Int(truth[$0])]))" },
    highlighted: shown.map { predicted[$0] != truth[$0] }), name: "predictions", width: 1000, height: 520)
}

/// Each class's weight vector as a 28×28 picture: red pixels raise that class's score, blue
/// pixels lower it, on one scale for all classes.
func drawWeights(_ plotter: Plotter, weight: Tensor) throws {
  try plotter.save(ImageGrid(
    title: "Learned weights of each class (row c of W, as an image)",
    images: (0..<10).map { weight[$0].toDoubles() }, height: 28, width: 28, columns: 5,
    captions: FashionMNIST.classNames, colorScale: .signed, colorLabel: "weight"), name: "weights", width: 900, height: 450)
}

/// How often each true class (row) was predicted as each class (column), on the test set.
func drawConfusion(_ plotter: Plotter, test: FashionMNIST, scores: Tensor) throws {
  var counts = [[Double]](repeating: [Double](repeating: 0, count: 10), count: 10)
  for (t, p) in zip(test.labels.toArray(Int64.self), scores.argmax(axis: 1).toArray(Int64.self)) { counts[Int(t)][Int(p)] += 1 }
  try plotter.save(HeatMap(
    title: "Confusion matrix on the 10,000 test images", xLabel: "predicted class", yLabel: "true class",
    values: counts, xTickLabels: FashionMNIST.classNames, yTickLabels: FashionMNIST.classNames, showValues: true),
    name: "confusion", width: 800, height: 700)
}
