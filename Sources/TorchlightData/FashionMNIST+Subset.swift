import Torchlight

extension FashionMNIST {
  /// Images and labels already in memory (a subset, an augmented copy).
  public init(images: Tensor, labels: Tensor, isTraining: Bool) {
    precondition(images.rank == 4 && labels.rank == 1 && images.shape[0] == labels.shape[0],
                 "FashionMNIST(images:labels:): expected images [N, 1, 28, 28] and labels [N], got \(images.shape) and \(labels.shape)")
    self.images = images
    self.labels = labels
    self.isTraining = isTraining
  }

  /// The examples of the given classes only, relabelled by their position in `classes`
  /// (`[5, 6, 7, 8, 9]` becomes 0…4), keeping at most `limit` of them in their original order:
  /// the split of a transfer-learning experiment.
  public func filtered(classes: [Int], limit: Int? = nil) -> FashionMNIST {
    let label = labels.toArray(Int64.self)
    let newLabel = Dictionary(uniqueKeysWithValues: classes.enumerated().map { (Int64($1), Int64($0)) })
    let kept = Array(label.indices.filter { newLabel[label[$0]] != nil }.prefix(limit ?? Int.max))
    let index = Tensor(kept.map(Double.init), dtype: .int64)
    return FashionMNIST(images: images.indexSelect(axis: 0, index: index).contiguous(),
                        labels: Tensor(kept.map { newLabel[label[$0]]! }, shape: [kept.count]), isTraining: isTraining)
  }
}
