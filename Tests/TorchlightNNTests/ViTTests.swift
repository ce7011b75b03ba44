import Foundation
import Testing
@testable import TorchlightNN

/// A ViT small enough for full Jacobians: 4×4 two-channel images in 2×2 patches (4 tokens and
/// the class token), width 4, 2 heads of 2 features, MLP 6.
private func tinyViT(depth: Int = 1, seed: UInt64 = 1) -> VisionTransformer {
  let config = ViTConfig(imageSize: 4, patchSize: 2, inChannels: 2, numClasses: 3, embedDim: 4, depth: depth, numHeads: 2, mlpDim: 6)
  let model = VisionTransformer(config, dtype: .float64, generator: Generator(seed: seed))
  // Random γ, β, biases, class token and head (which start at 1, 0 or 0), and larger
  // position embeddings, so that the functions checked are far from linear and a mix-up shows.
  let g = Generator(seed: seed + 100)
  withNoGrad {
    for (name, p) in model.namedParameters() where p.rank == 1 || name.hasPrefix("head") || name == "pos_embed" {
      let isGamma = name.contains("norm") && name.hasSuffix("weight")
      p.copy(from: Tensor.randn(p.shape, dtype: .float64, generator: g) * 0.5 + (isGamma ? 1 : 0))
    }
  }
  return model
}

@Suite("Vision Transformer") struct ViTTests {
  static let report = GradientReport("ViT")

  @Test func namesAndParameterCount() {
    let model = tinyViT(depth: 2)
    let block = ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                 "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
                 "norm2.weight", "norm2.bias"]
    let expected = ["cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias"]
      + (0..<2).flatMap { i in block.map { "blocks.\(i).\($0)" } } + ["norm.weight", "norm.bias", "head.weight", "head.bias"]
    #expect(model.namedParameters().map(\.0) == expected)
    // E = 4, C = 2, P = 2, N = 4 patches, MLP 6, 3 classes.
    let (e, f) = (4, 6)
    let perBlock = (4 * e * e + 4 * e) + (2 * e * f + f + e) + 4 * e
    #expect(model.parameterCount == e + 5 * e + (e * 2 * 2 * 2 + e) + 2 * perBlock + 2 * e + (3 * e + 3))
    let (decay, noDecay) = model.weightDecayGroups()
    #expect(decay.count == 1 + 2 * 4 + 1 && noDecay.count == model.parameters().count - decay.count)
    #expect(!decay.contains { $0 === model.posEmbed } && noDecay.contains { $0 === model.clsToken })
    // A fresh model predicts uniformly: its head starts at zero.
    let fresh = VisionTransformer(ViTConfig(imageSize: 28, patchSize: 7, numClasses: 10, embedDim: 16, depth: 1, numHeads: 2, mlpDim: 32))
    let logits = fresh(Tensor.randn([3, 1, 28, 28], generator: Generator(seed: 2)))
    #expect(logits.shape == [3, 10] && logits.abs().max().item() == 0)
  }

  /// The strided convolution is one shared linear map per patch: compare with the patches cut
  /// out by hand and multiplied by the flattened kernel.
  @Test func patchEmbeddingIsALinearMapOfEachPatch() {
    let embed = PatchEmbedding(imageSize: 6, patchSize: 3, inChannels: 2, embedDim: 5, dtype: .float64, generator: Generator(seed: 4))
    let x = Tensor.randn([2, 2, 6, 6], dtype: .float64, generator: Generator(seed: 5))
    let y = embed(x)
    #expect(y.shape == [2, 4, 5] && embed.numPatches == 4)
    let w = embed.proj.weight.reshaped(5, 18).toDoubles(), b = embed.proj.bias!.toDoubles()
    let pixels = x.toDoubles(), out = y.toDoubles()
    var worst = 0.0
    for n in 0..<2 {
      for patch in 0..<4 {
        let (r0, c0) = (3 * (patch / 2), 3 * (patch % 2))   // row-major order of the patches
        var flat: [Double] = []
        for ch in 0..<2 { for r in 0..<3 { for c in 0..<3 { flat.append(pixels[((n * 2 + ch) * 6 + r0 + r) * 6 + c0 + c]) } } }
        for k in 0..<5 {
          let expected = b[k] + (0..<18).reduce(0) { $0 + w[k * 18 + $1] * flat[$1] }
          worst = max(worst, Swift.abs(out[(n * 4 + patch) * 5 + k] - expected))
        }
      }
    }
    #expect(worst < 1e-12)
  }

  @Test(arguments: AttentionLayout.allCases)
  func patchEmbeddingGradients(layout: AttentionLayout) {
    let embed = PatchEmbedding(imageSize: 4, patchSize: 2, inChannels: 2, embedDim: 3, dtype: .float64, generator: Generator(seed: 6))
    let x = attentionLeaf([2, 2, 4, 4], layout, seed: 7)
    expectAttentionGradients({ xs in embed(xs[0]) }, [x] + parameterInputs(embed), secondOrder: layout == .contiguous,
                             report: Self.report, "PatchEmbedding, \(layout.rawValue) input")
  }

  @Test(arguments: AttentionLayout.allCases)
  func modelGradientsWithRespectToTheImages(layout: AttentionLayout) {
    let model = tinyViT()
    let params = parameterInputs(model)
    for p in params { p.requiresGrad = false }
    defer { for p in params { p.requiresGrad = true } }
    let x = attentionLeaf([2, 2, 4, 4], layout, seed: 8)
    expectAttentionGradients({ xs in model(xs[0]) }, [x], secondOrder: layout == .contiguous, report: Self.report,
                             "VisionTransformer, \(layout.rawValue) images")
  }

  /// Every parameter, first order, through the loss (the class token reaches each image through
  /// a broadcast, so its gradient sums over the batch).
  @Test func modelLossGradients() {
    let model = tinyViT(depth: 2)
    let x = Tensor.randn([3, 2, 4, 4], dtype: .float64, generator: Generator(seed: 9))
    let y = Tensor([2, 0, 1] as [Int64], shape: [3])
    let loss = { (_: [Tensor]) in crossEntropy(logits: model(x), targets: y) }
    expectAttentionGradients(loss, parameterInputs(model), secondOrder: false, report: Self.report, "ViT loss")
  }

  /// Second derivatives through the whole model with respect to the class token, the position
  /// embeddings, the patch projection and the head, the others held fixed.
  @Test func modelLossSecondOrder() {
    let model = tinyViT()
    let x = Tensor.randn([2, 2, 4, 4], dtype: .float64, generator: Generator(seed: 10))
    let y = Tensor([1, 2] as [Int64], shape: [2])
    let checked = [model.clsToken, model.posEmbed, model.patchEmbed.proj.weight, model.head.weight]
    let ids = Set(checked.map(ObjectIdentifier.init))
    let frozen = model.parameters().filter { !ids.contains(ObjectIdentifier($0)) }
    for p in frozen { p.requiresGrad = false }
    defer { for p in frozen { p.requiresGrad = true } }
    let second = gradgradCheck({ _ in crossEntropy(logits: model(x), targets: y) }, inputs: checked)
    Self.report.record(second)
    #expect(second.passed, "ViT loss, second order: \(second)")
    Self.report.printSummary()
  }

  /// Without position embeddings self-attention cannot tell where a patch is: moving patches
  /// around leaves the scores unchanged. With them, it changes them.
  @Test func positionEmbeddingsAreWhatTellsPatchesApart() {
    let model = tinyViT()
    let x = Tensor.randn([1, 2, 4, 4], dtype: .float64, generator: Generator(seed: 11))
    // Swap the top-left and bottom-right 2×2 patches.
    let swapped = x.clone()
    swapped[.all, .all, 0..<2, 0..<2] = x[.all, .all, 2..<4, 2..<4].contiguous()
    swapped[.all, .all, 2..<4, 2..<4] = x[.all, .all, 0..<2, 0..<2].contiguous()
    #expect(maxAbsDifference(model(x), model(swapped)) > 1e-3)
    withNoGrad { model.posEmbed.copy(from: model.posEmbed.narrow(axis: 0, start: 0, length: 1).expanded(5, 4)) }   // one vector for all
    #expect(maxAbsDifference(model(x), model(swapped)) < 1e-12)
  }

  @Test func classTokenAttentionIsTheLastBlocksWeights() {
    let model = tinyViT(depth: 2)
    let x = Tensor.randn([3, 2, 4, 4], dtype: .float64, generator: Generator(seed: 12))
    let w = model.classTokenAttention(x)
    #expect(w.shape == [3, 2, 4] && model.isTraining)
    // The weights over the patches plus the one on itself make a distribution per head.
    let total = w.sum(axis: 2)
    #expect(total.max().item() < 1 && total.min().item() > 0)
    // Recomputed by hand from the last block's projections: softmax(q_cls · K / √d).
    let z = withNoGrad { model.blocks[1].norm1(model.blocks[0].forward(model.embed(x))) }
    let attention = model.blocks[1].selfAttn
    let (wq, bq) = attention.projection(0), (wk, bk) = attention.projection(1)
    let q = (z.matmul(wq.t()) + bq!).reshaped(3, 5, 2, 2), k = (z.matmul(wk.t()) + bk!).reshaped(3, 5, 2, 2)
    let scores = (q.narrow(axis: 1, start: 0, length: 1) * k).sum(axis: 3) / 2.0.squareRoot()   // [3, 5, 2]
    let expected = softmax(scores, axis: 1).narrow(axis: 1, start: 1, length: 4).transposed(1, 2)
    #expect(maxAbsDifference(w, expected.contiguous()) < 1e-12)
  }
}

@Suite("Distillation loss") struct DistillationLossTests {
  static let report = GradientReport("distillationLoss")

  /// α·T²·KL(p_T ‖ q_T) + (1 − α)·CE for two examples, written out with plain Doubles.
  @Test func matchesAHandComputation() {
    let s: [[Double]] = [[1.0, -0.5, 2.0], [0.3, 0.2, -1.0]], t: [[Double]] = [[2.5, 0.0, 1.0], [-1.0, 1.5, 0.5]]
    let labels = [2, 1], (temperature, alpha) = (3.0, 0.7)
    func softmax(_ z: [Double]) -> [Double] {
      let m = z.max()!, e = z.map { Foundation.exp($0 - m) }, total = e.reduce(0, +)
      return e.map { $0 / total }
    }
    var kl = 0.0, ce = 0.0
    for i in 0..<2 {
      let p = softmax(t[i].map { $0 / temperature }), q = softmax(s[i].map { $0 / temperature })
      kl += zip(p, q).reduce(0) { $0 + $1.0 * Foundation.log($1.0 / $1.1) }
      ce -= Foundation.log(softmax(s[i])[labels[i]])
    }
    let expected = alpha * temperature * temperature * kl / 2 + (1 - alpha) * ce / 2
    let loss = distillationLoss(studentLogits: Tensor(s.flatMap { $0 }, shape: [2, 3], dtype: .float64),
                                teacherLogits: Tensor(t.flatMap { $0 }, shape: [2, 3], dtype: .float64),
                                targets: Tensor(labels.map(Int64.init), shape: [2]), temperature: temperature, alpha: alpha)
    #expect(Swift.abs(loss.item() - expected) < 1e-12)
    // α = 0 is the cross-entropy; a student equal to its teacher adds nothing at α = 1.
    let student = Tensor(s.flatMap { $0 }, shape: [2, 3], dtype: .float64), y = Tensor(labels.map(Int64.init), shape: [2])
    #expect(Swift.abs(distillationLoss(studentLogits: student, teacherLogits: student, targets: y, temperature: 2, alpha: 0).item()
                      - crossEntropy(logits: student, targets: y).item()) < 1e-12)
    #expect(Swift.abs(distillationLoss(studentLogits: student, teacherLogits: student, targets: y, temperature: 2, alpha: 1).item()) < 1e-12)
  }

  /// The gradient of the soft term is α·T·(softmax(s/T) − softmax(t/T)) / B: checked by autograd
  /// against central differences, with a transposed student and a teacher broadcast from one row.
  @Test(arguments: AttentionLayout.allCases)
  func gradients(layout: AttentionLayout) {
    let student = attentionLeaf([4, 5], layout, seed: 13, scale: 2)
    let teacherRow = Tensor.randn([1, 5], dtype: .float64, generator: Generator(seed: 14)) * 2
    let teacher = teacherRow.expanded(4, 5)                  // every example has the same teacher logits
    let y = Tensor([0, 4, 2, 2] as [Int64], shape: [4])
    expectAttentionGradients({ xs in distillationLoss(studentLogits: xs[0], teacherLogits: teacher, targets: y, temperature: 2.5, alpha: 0.6) },
                             [student], report: Self.report, "distillationLoss, \(layout.rawValue) student")
    // The teacher gets no gradient even when its logits require one.
    let trainable = teacherRow.detached().requiringGrad()
    distillationLoss(studentLogits: student, teacherLogits: trainable.expanded(4, 5), targets: y, temperature: 2.5, alpha: 0.6).backward()
    #expect(trainable.grad == nil && student.grad != nil)
    // Closed form of the student's gradient at α = 1.
    let s = student.detached().requiringGrad()
    distillationLoss(studentLogits: s, teacherLogits: teacher, targets: y, temperature: 2.5, alpha: 1).backward()
    let closed = (softmax(s.detached() / 2.5, axis: 1) - softmax(teacher / 2.5, axis: 1)) * 2.5 / 4
    #expect(maxAbsDifference(s.grad!, closed) < 1e-12)
  }
}
