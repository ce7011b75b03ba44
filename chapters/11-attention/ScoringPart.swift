import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

/// Part `scoring` (d2l §11.3): the masked softmax that keeps padding out of attention, then the
/// two scoring functions, additive and scaled dot-product, on the textbook's toy batch.
func runScoringPart(_ chapter: AttentionChapter, _ plotter: Plotter) throws {
  let g = Generator(seed: chapter.options.seed &+ 13)
  section("Masked softmax: a batch of 2 examples, 2 queries each, 4 keys of which only the first few are real")
  let scores = Tensor.uniform([2, 2, 4], low: 0, high: 1, generator: g)
  print("  valid lengths [2, 3] (one per example): example 0 sees 2 keys, example 1 sees 3")
  printMatrix(maskedSoftmax(scores, validLens: Tensor([2, 3] as [Int64], shape: [2])), indent: "    ")
  print("  valid lengths [[1, 3], [2, 4]] (one per query)")
  printMatrix(maskedSoftmax(scores, validLens: Tensor([1, 3, 2, 4] as [Int64], shape: [2, 2])), indent: "    ")
  print("  the padded keys get weight exactly 0: their scores are replaced by −10⁶ before the softmax")

  section("Additive and scaled dot-product attention on d2l's toy batch: 2 examples, 1 query, 10 key–value pairs, valid lengths [2, 6]")
  let validLens = Tensor([2, 6] as [Int64], shape: [2])
  let values = Tensor.arange(40, dtype: .float32).reshaped(1, 10, 4).expanded([2, 10, 4])
  let additive = AdditiveAttention(keySize: 2, querySize: 20, numHiddens: 8, dropout: 0.1, generator: g)
  let dotProduct = DotProductAttention(dropout: 0.5, generator: g)
  additive.eval(); dotProduct.eval()
  // Keys all equal: every valid key scores the same, so the output is the mean of the valid values.
  let equalKeys = Tensor.ones([2, 10, 2])
  let additiveOut = additive(Tensor.normal([2, 1, 20], generator: g), equalKeys, values, validLens: validLens)
  print("  queries [2, 1, 20], keys [2, 10, 2] (all ones), values [2, 10, 4] (0 … 39), additive attention with 8 hidden units:")
  print("  output \(additiveOut.shape):"); printMatrix(additiveOut, indent: "    ")
  print("  = the mean of the first 2 and the first 6 value rows: equal keys give equal weights")
  let dotOut = dotProduct(Tensor.normal([2, 1, 2], generator: g), equalKeys, values, validLens: validLens)
  print("  queries [2, 1, 2] (dot products need queries as long as the keys), scaled dot-product attention:")
  print("  output \(dotOut.shape):"); printMatrix(dotOut, indent: "    ")

  // Different keys: the two scoring functions weigh them differently.
  let keys = Tensor.normal([2, 10, 2], generator: g)
  _ = additive(Tensor.normal([2, 1, 20], generator: g), keys, values, validLens: validLens)
  _ = dotProduct(Tensor.normal([2, 1, 2], generator: g), keys, values, validLens: validLens)
  let additiveWeights = additive.attentionWeights!, dotWeights = dotProduct.attentionWeights!
  print("  with random keys, the weights [2, 1, 10] (rows: examples):")
  print("    additive:"); printMatrix(additiveWeights.squeezed(axis: 1), indent: "      ")
  print("    scaled dot product:"); printMatrix(dotWeights.squeezed(axis: 1), indent: "      ")
  printResult(chapter: Defaults.chapter, model: "scoring", ["additive_output_sum": additiveOut.sum().item(),
              "dot_output_sum": dotOut.sum().item(), "masked_weight_sum": padWeightSum(additiveWeights, validLens)])

  let keyLabels = (0..<10).map(String.init)
  let panels = [("additive: w_vᵀ tanh(W_q q + W_k k)", additiveWeights), ("scaled dot product: qᵀk / √d", dotWeights)].map { name, w in
    HeatMap(title: name, xLabel: "keys", yLabel: "example", values: rows(w.squeezed(axis: 1)), xTickLabels: keyLabels,
            yTickLabels: ["0 (2 valid)", "1 (6 valid)"], showValues: true)
  }
  try plotter.save(HeatMapGrid(title: "Attention weights of one query over 10 keys, padding masked (valid lengths 2 and 6)",
                               panels: panels, columns: 1, sharedColorRange: true), name: "scoring-weights", width: 900, height: 520)
}

/// The total weight on keys beyond the valid lengths (0 when the mask works).
func padWeightSum(_ weights: Tensor, _ validLens: Tensor) -> Double {
  let w = weights.squeezed(axis: 1).toDoubles(), lengths = validLens.toArray(Int64.self), k = weights.shape[weights.rank - 1]
  return lengths.enumerated().map { b, n in (Int(n)..<k).map { w[b * k + $0] }.reduce(0, +) }.reduce(0, +)
}

/// Prints the last two axes of a tensor as rows of numbers, one matrix after another.
func printMatrix(_ t: Tensor, indent: String) {
  let columns = t.shape[t.rank - 1], values = t.toDoubles()
  for start in stride(from: 0, to: values.count, by: columns) {
    print(indent + "[" + values[start..<(start + columns)].map { String(format: "%7.4f", $0) }.joined(separator: " ") + "]")
  }
}
