import Torchlight
import TorchlightData
import TorchlightNN

/// One way of training the augmentation experiment's ResNet: what is done to each batch and
/// which loss it is trained with.
enum AugmentationRecipe: String, CaseIterable {
  case none, flipCrop = "flip-crop", erasing, mixup, cutmix, labelSmoothing = "label-smoothing"

  var title: String {
    switch self {
    case .none: "no augmentation"
    case .flipCrop: "flip + crop (pad 2)"
    case .erasing: "random erasing"
    case .mixup: "MixUp (α = 0.2)"
    case .cutmix: "CutMix (α = 1)"
    case .labelSmoothing: "label smoothing (ε = 0.1)"
    }
  }

  /// The loss of one training batch: the batch changed by the recipe, scored by `net`, against
  /// the targets the recipe makes (soft ones for MixUp and CutMix). Also returns the accuracy of
  /// the scores against the batch's own labels (for MixUp and CutMix, against the larger share).
  func loss(_ net: Module, images: Tensor, labels: Tensor, generator: Generator) -> (loss: Tensor, scores: Tensor) {
    switch self {
    case .none:
      let s = net(images)
      return (crossEntropy(logits: s, targets: labels), s)
    case .flipCrop:
      let s = net(Compose([RandomHorizontalFlip(), RandomCrop(size: 28, padding: 2)])(images, generator: generator))
      return (crossEntropy(logits: s, targets: labels), s)
    case .erasing:
      let s = net(RandomErasing(p: 0.5)(images, generator: generator))
      return (crossEntropy(logits: s, targets: labels), s)
    case .mixup, .cutmix:
      let mixed: MixedBatch = self == .mixup ? MixUp(alpha: 0.2, classes: 10)(images, labels: labels, generator: generator)
                                             : CutMix(alpha: 1, classes: 10)(images, labels: labels, generator: generator)
      let s = net(mixed.images)
      return (softTargetCrossEntropy(logits: s, targets: mixed.targets), s)
    case .labelSmoothing:
      let s = net(images)
      return (crossEntropy(logits: s, targets: labels, labelSmoothing: 0.1), s)
    }
  }
}
