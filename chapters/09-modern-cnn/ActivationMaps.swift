import TorchlightNN

/// Where in the image a `FeatureClassifier` looked, as coarse maps the size of its last feature
/// maps A ∈ ℝ^{K×h×w} (one per image, for the class it predicted), upsampled to the image.
struct ActivationMaps {
  /// Predicted class of each image.
  let predicted: [Int]
  /// Class activation maps [N, h, w] and Grad-CAM maps [N, h, w] before upsampling.
  let cam: Tensor, gradCAM: Tensor
  /// Grad-CAM one layer earlier: on the maps that enter the backbone's last stage [N, h′, w′].
  /// There the score is no longer linear in the maps, so it is not the CAM any more.
  let earlyGradCAM: Tensor
  /// The scores the network gave the predicted classes, and those rebuilt from the CAM
  /// (mean of the map plus the head's bias): equal, which is the point of CAM.
  let scores: [Double], scoresFromCAM: [Double]
}

/// CAM (Zhou et al., 2016): with global average pooling then one linear layer, the score of
/// class c is y_c = Σ_k w_{c,k}·mean_{ij} A_k(i,j) + b_c = mean_{ij} M_c(i,j) + b_c, where
/// M_c = Σ_k w_{c,k}·A_k. So M_c says how much each position added to the score.
///
/// Grad-CAM (Selvaraju et al., 2017) needs no such head: weight each map by the spatial mean of
/// the score's gradient, α_k = mean_{ij} ∂y_c/∂A_k(i,j), and keep the positive part,
/// ReLU(Σ_k α_k·A_k). The gradient with respect to A is caught by a hook on A during backward.
/// For our heads ∂y_c/∂A_k(i,j) = w_{c,k}/(hw), so Grad-CAM = ReLU(CAM)/(hw) exactly: the
/// chapter prints the difference.
func activationMaps(_ net: FeatureClassifier, images: Tensor) -> ActivationMaps {
  net.eval()
  defer { net.train() }
  // The backbone run in two parts, to keep the maps entering its last stage (its last layer that
  // is not a batch norm or ReLU) as well.
  let layers = net.backbone.layers
  let split = layers.lastIndex { !($0 is BatchNorm2d || $0 is ReLU) } ?? layers.count - 1
  let early = layers[..<split].reduce(images) { $1($0) }                 // [N, K′, h′, w′]
  let features = layers[split...].reduce(early) { $1($0) }               // A: [N, K, h, w], in the graph
  let (n, k, h, w) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3])
  var captured: Tensor?, capturedEarly: Tensor?
  features.registerHook { grad in captured = grad; return nil }
  early.registerHook { grad in capturedEarly = grad; return nil }
  let scores = net.scores(fromFeatures: features)
  let predicted = withNoGrad { scores.argmax(axis: 1) }.toArray(Int64.self).map { Int($0) }
  let classes = scores.shape[1]
  let hot: [Double] = predicted.flatMap { c in (0..<classes).map { $0 == c ? 1.0 : 0.0 } }
  let oneHot = Tensor(hot, shape: scores.shape, dtype: scores.dtype)
  (scores * oneHot).sum().backward()                                    // each image's own predicted score
  net.zeroGrad()
  guard let grad = captured, let earlyGrad = capturedEarly else { fatalError("activationMaps: the hooks on the feature maps did not run") }

  return withNoGrad {
    let a = features.detached().reshaped(n, k, h * w)
    // CAM: the predicted class's row of the head's weight, times the maps.
    let weights = net.head.weight.detached().indexSelect(axis: 0, index: Tensor(predicted.map(Double.init), dtype: .int64))
    let cam = weights.reshaped(n, 1, k).matmul(a).reshaped(n, h, w)
    // Grad-CAM: spatially averaged gradients as weights, then ReLU.
    let alpha = grad.mean(axes: [2, 3]).reshaped(n, 1, k)
    let gradCAM = alpha.matmul(a).reshaped(n, h, w).relu()
    let (k2, h2, w2) = (early.shape[1], early.shape[2], early.shape[3])
    let earlyAlpha = earlyGrad.mean(axes: [2, 3]).reshaped(n, 1, k2)
    let earlyGradCAM = earlyAlpha.matmul(early.detached().reshaped(n, k2, h2 * w2)).reshaped(n, h2, w2).relu()
    let bias = net.head.bias!.detached().toDoubles()
    let camMeans = cam.mean(axes: [1, 2]).toDoubles()
    let all = scores.detached().toDoubles()
    return ActivationMaps(predicted: predicted, cam: cam, gradCAM: gradCAM, earlyGradCAM: earlyGradCAM,
                          scores: predicted.enumerated().map { all[$0 * scores.shape[1] + $1] },
                          scoresFromCAM: predicted.enumerated().map { camMeans[$0] + bias[$1] })
  }
}

/// Maps [N, h, w] resized to the image (bilinear) and scaled to 0…1 each, for drawing over it.
func upsampledForDisplay(_ maps: Tensor, size: Int = 28) -> [[Double]] {
  let n = maps.shape[0]
  let big = interpolate(maps.reshaped(n, 1, maps.shape[1], maps.shape[2]), size: Size2(size), mode: .bilinear)
  return (0..<n).map { i in
    let v = big[i].toDoubles()
    let lo = v.min()!, hi = v.max()!
    return v.map { hi > lo ? ($0 - lo) / (hi - lo) : 0 }
  }
}
