import ChapterKit
import Foundation
import TorchlightData
import TorchlightDistributed
import TorchlightNN
import TorchlightOptim

/// The classes rank `rank` of `worldSize` holds in the federated part: the ten classes cut into
/// contiguous groups (on 4 ranks: 0–2, 3–5, 6–7, 8–9), so no two ranks share a class.
func federatedClasses(rank: Int, worldSize: Int) -> [Int] {
  let start = rank * 10 / worldSize, end = (rank + 1) * 10 / worldSize
  return Array(start..<end)
}

/// Federated averaging (McMahan et al., 2017): each rank trains its own copy of the MLP on its
/// own classes only, for `localEpochs` passes, then the ranks average their parameters, and the
/// next round starts from the average. Communication happens once per round instead of once per
/// step. Rank 0 writes `fedavg-p<p>.csv`: round, examples seen by all ranks, test accuracy.
func runFederatedAveraging(group: ProcessGroup, options: ChapterOptions<Defaults>, train: FashionMNIST, test: FashionMNIST,
                           rounds: Int, localEpochs: Int) throws {
  let p = group.worldSize, main = group.rank == 0
  let classes = federatedClasses(rank: group.rank, worldSize: p)
  let shard = examples(of: classes, in: train)
  let net = Network.mlp.make(seed: options.seed)   // the same start on every rank
  let optimizer = SGD(parameters: net.parameters(), lr: options.lr)
  let localBatch = max(1, options.batchSize / p)
  let loader = DataLoader(shard, batchSize: localBatch, shuffle: true, generator: Generator(seed: options.seed &+ 7 &+ UInt64(group.rank)))
  let sizes = try group.allGather(Tensor([Int64(shard.count)], shape: [1])).toArray(Int64.self)
  if main {
    section("Federated averaging on \(p) ranks: the MLP, \(localEpochs) local epoch\(localEpochs == 1 ? "" : "s") per round, non-IID shards")
    for r in 0..<p { print("rank \(r): classes \(federatedClasses(rank: r, worldSize: p).map { FashionMNIST.classNames[$0] }.joined(separator: ", ")) (\(sizes[r]) images)") }
  }
  var rows: [String] = []
  var seen = 0.0
  for round in 1...rounds {
    net.train(true)
    for _ in 0..<localEpochs {
      for batch in loader {
        crossEntropy(logits: net(batch.inputs), targets: batch.labels).backward()
        optimizer.step()
        optimizer.zeroGrad()
      }
    }
    // The one communication of the round: every parameter averaged over the ranks.
    for parameter in net.parameters() { try group.allReduce(parameter, .average) }
    let total = Tensor([Double(shard.count * localEpochs)], shape: [1], dtype: .float64)
    try group.allReduce(total)
    seen += total.toDoubles()[0]
    let accuracy = try shardedAccuracy(net, group: group, test: test)
    rows.append("\(round),\(seen),\(accuracy)")
    if main { print(String(format: "round %d  examples seen %8.0f  test accuracy %.4f", round, seen, accuracy)) }
  }
  guard main else { return }
  try writeAtomically("round,examples,test_acc\n" + rows.joined(separator: "\n") + "\n",
                      to: (options.output as NSString).appendingPathComponent("fedavg-p\(p).csv"))
  let last = rows.last!.split(separator: ",").map { Double($0)! }
  printResult(chapter: Defaults.chapter, model: "fedavg", ["test_acc": last[2], "examples_seen": last[1]],
              extra: ["world_size": "\(p)", "rounds": "\(rounds)"])
}

/// Test accuracy of the whole test set, each rank scoring every p-th example.
func shardedAccuracy(_ net: Module, group: ProcessGroup, test: FashionMNIST) throws -> Double {
  net.train(false)
  defer { net.train(true) }
  let mine = Array(stride(from: group.rank, to: test.count, by: group.worldSize))
  let correct = withNoGrad {
    stride(from: 0, to: mine.count, by: 1000).map { start -> Double in
      let batch = test.batch(at: Array(mine[start..<min(start + 1000, mine.count)]))
      return accuracy(logits: net(batch.inputs), targets: batch.labels) * Double(batch.labels.count)
    }.reduce(0, +)
  }
  let totals = Tensor([correct, Double(mine.count)], shape: [2], dtype: .float64)
  try group.allReduce(totals)
  return totals.toDoubles()[0] / totals.toDoubles()[1]
}

/// The images of `classes` with their original labels (`filtered(classes:)` renumbers them).
func examples(of classes: [Int], in data: FashionMNIST) -> FashionMNIST {
  let labels = data.labels.toArray(Int64.self)
  let kept = labels.indices.filter { classes.contains(Int(labels[$0])) }
  return FashionMNIST(images: data.images.indexSelect(axis: 0, index: Tensor(kept.map(Int64.init), shape: [kept.count])).contiguous(),
                      labels: Tensor(kept.map { labels[$0] }, shape: [kept.count]), isTraining: data.isTraining)
}
