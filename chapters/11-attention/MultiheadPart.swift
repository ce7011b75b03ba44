import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

/// Key padding mask [N, S] from valid lengths [N]: true (left out) at positions ≥ the length.
func paddingMask(validLengths: Tensor, length: Int) -> Tensor {
  Tensor.arange(length, dtype: .float64).reshaped(1, length) .>= validLengths.to(.float64).reshaped(-1, 1)
}

/// Part `multihead` (d2l §11.5–11.6): the shapes through multi-head attention and its weights per
/// head, self-attention, and the sinusoidal positional encoding that gives attention a sense of order.
func runMultiheadPart(_ chapter: AttentionChapter, _ plotter: Plotter) throws {
  let g = Generator(seed: chapter.options.seed &+ 17)
  section("Multi-head attention: 100 features in 5 heads of 20, a batch of 2 with 4 queries and 6 key–value pairs, valid lengths [3, 2]")
  let attention = MultiheadAttention(embedDim: 100, numHeads: 5, dropout: 0.5, batchFirst: true, generator: g)
  attention.eval()
  let queries = Tensor.normal([2, 4, 100], generator: g), keyValues = Tensor.normal([2, 6, 100], generator: g)
  let validLengths = Tensor([3, 2] as [Int64], shape: [2])
  let mask = paddingMask(validLengths: validLengths, length: 6)
  let (output, weights) = attention(queries, keyValues, keyValues, keyPaddingMask: mask, averageAttnWeights: false)
  let perHead = weights!
  print("  queries \(queries.shape), keys = values \(keyValues.shape) → output \(output.shape)")
  print("  parameters: in_proj_weight \(attention.inProjWeight!.shape) (W_q, W_k, W_v stacked), in_proj_bias \(attention.inProjBias!.shape), "
        + "out_proj \(attention.outProj.weight.shape): \(attention.parameterCount) numbers = 4·100² + 4·100")
  print("  each head projects to 100/5 = 20 features: queries [2, 5, 4, 20], keys and values [2, 5, 6, 20]; weights per head \(perHead.shape)")
  print("  weights of example 1 (2 valid keys), head 0:")
  printMatrix(perHead.select(axis: 0, index: 1).select(axis: 0, index: 0), indent: "    ")
  let x = Tensor.normal([2, 4, 100], generator: g)
  let (selfOutput, _) = attention(x, x, x, keyPaddingMask: paddingMask(validLengths: validLengths, length: 4))
  print("  self-attention: queries, keys and values are the same sequence \(x.shape) → \(selfOutput.shape): every position attends to every other")
  try plotter.save(HeatMapGrid(title: "Multi-head attention, example 0 (3 valid keys): each head weighs the keys differently",
                               panels: (0..<5).map { h in
                                 HeatMap(title: "head \(h)", xLabel: "keys", yLabel: "queries",
                                         values: rows(perHead.select(axis: 0, index: 0).select(axis: 0, index: h)))
                               }, columns: 5, sharedColorRange: true), name: "multihead-weights", width: 1500, height: 420)

  section("Positional encoding: P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d)), d = 32, 60 positions")
  let encoding = PositionalEncoding(numHiddens: 32, dropout: 0, maxLen: 60)
  let p = encoding.P.squeezed(axis: 0)                     // [60, 32]
  let table = rows(p)
  let positions = (0..<60).map(Double.init)
  let columns = [6, 7, 8, 9]
  for c in columns {
    let period = 2 * Double.pi * pow(10000, Double(c - c % 2) / 32)
    print("  column \(c): \(c % 2 == 0 ? "sin" : "cos") with period \(String(format: "%.1f", period)) positions")
  }
  print("  low columns oscillate fast and high ones slowly, like the bits of a binary counter; P[i + δ] is a rotation of P[i]")
  print("  in every pair of columns, so a relative offset is a linear map the attention can learn")
  try plotter.save(LinePlot(title: "Positional encoding: columns 6–9 along the positions", xLabel: "position i", yLabel: "P[i, column]",
                            series: columns.enumerated().map { k, c in
                              Series("column \(c)", x: positions, y: table.map { $0[c] }, style: k % 2 == 0 ? .lines : .dashed, color: k)
                            }, yRange: -1.3...1.6), name: "positional-encoding")
  try plotter.save(HeatMap(title: "Positional encoding P (60 positions × 32 columns)", xLabel: "column (encoding dimension)",
                           yLabel: "position", values: table), name: "positional-encoding-matrix", width: 700, height: 700)
}
