import Foundation
import Torchlight
import TorchlightPlot

/// The chapter's picture: one storage of twelve numbers and five tensors that read it. Every
/// cell shows the value a view finds at (i, j), which here is also the storage slot it reads,
/// offset + i·strides[0] + j·strides[1]; equal colours across panels are the same memory.
/// Returns the views drawn, with their names, so the text can print the same layouts.
@discardableResult
func drawViews(outputDirectory: String) throws -> [(String, Tensor)] {
  let a = Tensor.arange(12).float().view(3, 4)
  let storage = Tensor(storage: a.storage, shape: [a.storage.count], strides: [1])
  let views: [(String, Tensor)] = [
    ("a = arange(12).view(3, 4)", a),
    ("a.t()", a.t()),
    ("a[1..<3, every other column]", a[1..<3, stride(from: 0, to: 4, by: 2)]),
    ("a[.all, 2] (a column)", a[.all, 2]),
    ("a[0] expanded to [3, 4]", a[0].unsqueezed(axis: 0).expanded(3, 4)),
  ]
  func grid(_ t: Tensor) -> [[Double]] {
    let m = t.rank == 1 ? t.unsqueezed(axis: 1) : t
    return (0..<m.shape[0]).map { i in m[i].toDoubles() }
  }
  func layout(_ t: Tensor) -> String { "shape \(t.shape) strides \(t.strides) offset \(t.offset)" }
  let panels = [HeatMap(title: "storage: \(storage.count) floats, read by all five", xLabel: "slot", yLabel: "",
                        values: [storage.toDoubles()], showValues: true)]
    + views.map { name, t in
      HeatMap(title: "\(name)\n\(layout(t))", xLabel: "j", yLabel: "i", values: grid(t), showValues: true)
    }
  try Plotter(directory: outputDirectory).save(HeatMapGrid(title: "One storage, many views: each cell holds the storage slot it reads",
                                                           panels: panels, columns: 3, sharedColorRange: true),
                                               name: "views", width: 1200, height: 780)
  return views
}
