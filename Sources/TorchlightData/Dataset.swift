@_exported import Torchlight

/// Random access to examples (`torch.utils.data.Dataset`): a count and a subscript.
public protocol Dataset {
  associatedtype Example
  var count: Int { get }
  subscript(index: Int) -> Example { get }
}

/// A dataset that can hand out a whole minibatch at once, faster than one example at a time
/// (one gather instead of a tensor per example). `DataLoader` uses it when it is there.
public protocol BatchDataset: Dataset {
  associatedtype Batch
  func batch(at indices: [Int]) -> Batch
}

/// Inputs and labels held as two tensors whose first axis indexes examples (`TensorDataset`).
public struct TensorDataset: BatchDataset {
  public let inputs: Tensor
  public let labels: Tensor

  public init(inputs: Tensor, labels: Tensor) {
    precondition(inputs.rank >= 1 && labels.rank >= 1 && inputs.shape[0] == labels.shape[0],
                 "TensorDataset: inputs \(inputs.shape) and labels \(labels.shape) must have the same first size")
    self.inputs = inputs
    self.labels = labels
  }

  public var count: Int { inputs.shape[0] }
  public subscript(index: Int) -> (input: Tensor, label: Tensor) { (inputs[index], labels[index]) }

  /// The examples at `indices`, gathered with one row copy each.
  public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
    let index = Tensor(indices.map(Int64.init), shape: [indices.count])
    return (inputs.indexSelect(axis: 0, index: index), labels.indexSelect(axis: 0, index: index))
  }
}

/// The examples of `base` at the given positions (`Subset`).
public struct Subset<Base: Dataset>: Dataset {
  public let base: Base
  public let indices: [Int]

  public init(_ base: Base, indices: [Int]) {
    precondition(indices.allSatisfy { $0 >= 0 && $0 < base.count }, "Subset: an index is outside 0..<\(base.count)")
    self.base = base
    self.indices = indices
  }

  public var count: Int { indices.count }
  public subscript(index: Int) -> Base.Example { base[indices[index]] }
}

extension Subset: BatchDataset where Base: BatchDataset {
  public func batch(at positions: [Int]) -> Base.Batch { base.batch(at: positions.map { indices[$0] }) }
}

/// Splits a dataset into disjoint random subsets of the given sizes (`random_split`).
public func randomSplit<D: Dataset>(_ dataset: D, sizes: [Int], generator: Generator? = nil) -> [Subset<D>] {
  precondition(sizes.reduce(0, +) == dataset.count && sizes.allSatisfy { $0 >= 0 },
               "randomSplit: sizes \(sizes) must be non-negative and add up to the dataset's \(dataset.count) examples")
  let order = Tensor.randperm(dataset.count, generator: generator).toArray(Int64.self).map(Int.init)
  var start = 0
  return sizes.map { n in
    defer { start += n }
    return Subset(dataset, indices: Array(order[start..<(start + n)]))
  }
}
