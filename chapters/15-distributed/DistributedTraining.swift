import ChapterKit
import Foundation
import TorchlightData
import TorchlightDistributed
import TorchlightNN
import TorchlightOptim

/// One network trained data-parallel at this world size: each rank takes its shard of every
/// epoch from `DistributedSampler` and 1/p of the global batch; `DistributedDataParallel`
/// averages the gradients, so every rank takes the step of the global batch.
struct DistributedTraining {
  let network: Network
  let chapter: DistributedChapter
  let group: ProcessGroup
  let threads: Int
  let train: FashionMNIST, test: FashionMNIST

  init(_ network: Network, chapter: DistributedChapter, group: ProcessGroup, threads: Int, train: FashionMNIST, test: FashionMNIST) {
    self.network = network; self.chapter = chapter; self.group = group; self.threads = threads
    self.train = train; self.test = test
  }

  var options: ChapterOptions<Defaults> { chapter.options }
  var checkpointPath: String { (options.output as NSString).appendingPathComponent("checkpoint-\(network.rawValue).safetensors") }

  func run() throws {
    let p = group.worldSize, main = group.rank == 0
    let globalBatch = options.batchSize
    guard globalBatch % p == 0 else {
      throw ChapterError("--batch-size \(globalBatch) is the global batch and must divide evenly over the \(p) ranks")
    }
    let epochs = options.quick ? 1 : options.epochs(orDefault: network.defaultEpochs)
    // A different seed on every rank: the broadcast inside DistributedDataParallel makes them equal.
    let net = network.make(seed: options.seed &+ UInt64(group.rank))
    let optimizer = SGD(parameters: net.parameters(), lr: network.learningRate(options.lr))
    var firstEpoch = 0
    if chapter.continueTraining {
      // Rank 0 reads the checkpoint; the model reaches the others through DDP's broadcast, the
      // optimizer's state and the epoch through broadcasts of their own.
      var saved: [(String, Tensor)] = []
      if main {
        guard FileManager.default.fileExists(atPath: checkpointPath) else { throw ChapterError("--continue: no checkpoint at \(checkpointPath)") }
        saved = try SafeTensors.read(checkpointPath)
        try net.load(stateDict: saved.entries(under: "model."))
      }
      let state = try group.broadcast(stateDict: saved.entries(under: "optimizer.") + saved.entries(under: "run."))
      try optimizer.load(stateDict: state.filter { $0.0 != "epoch" })
      firstEpoch = Int(state.first { $0.0 == "epoch" }?.1.item() ?? 0)
      if main { print("[\(network.rawValue)] continuing after epoch \(firstEpoch) from \(checkpointPath)") }
    }
    let ddp = try DistributedDataParallel(net, group: group, bucketCapMB: chapter.bucketMB)
    var sampler = DistributedSampler(datasetCount: train.count, group: group, seed: options.seed &+ 1)
    let localBatch = globalBatch / p
    let log = main ? TrainingLog(chapter: Defaults.chapter, model: "\(network.rawValue)-p\(p)", output: options.output) : nil
    var rows: [String] = []
    var best = Double.infinity, last = (trainLoss: Double.nan, testAcc: Double.nan)
    for epoch in firstEpoch..<epochs {
      sampler.setEpoch(epoch)
      let batches = sampler.batches(of: localBatch)
      log?.startEpoch(epoch + 1, of: epochs, batches: batches.count)
      try group.barrier()
      let start = DispatchTime.now().uptimeNanoseconds
      var lossSum = 0.0, seen = 0.0
      net.train(true)
      for indices in batches {
        let batch = train.batch(at: indices)
        let loss = crossEntropy(logits: ddp(batch.inputs.reshaped([-1, 1, 28, 28])), targets: batch.labels)
        loss.backward()
        try ddp.finishGradientSync()
        optimizer.step()
        optimizer.zeroGrad()
        let n = Double(indices.count)
        lossSum += loss.item() * n
        seen += n
        log?.batchDone(examples: indices.count * p, loss: loss.item())
      }
      try group.barrier()
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      log?.trainingDone()
      best = min(best, seconds)
      let trainTotals = Tensor([lossSum, seen], shape: [2], dtype: .float64)
      try group.allReduce(trainTotals)
      let (testLoss, testAcc) = try evaluateSharded(net)
      let trainLoss = trainTotals.toDoubles()[0] / trainTotals.toDoubles()[1]
      last = (trainLoss, testAcc)
      log?.endEpoch(["train_loss": trainLoss, "test_loss": testLoss, "test_acc": testAcc])
      rows.append("\(epoch + 1),\(trainLoss),\(testLoss),\(testAcc),\(seconds)")
      if main && chapter.checkpoints {
        // Only rank 0 writes (the replicas are equal), atomically.
        try SafeTensors.write(net.stateDict().prefixed("model.") + optimizer.stateDict().prefixed("optimizer.")
                                + [("run.epoch", Tensor([Int64(epoch + 1)], shape: []))], to: checkpointPath)
      }
    }
    guard main else { return }
    guard epochs > firstEpoch else { return }
    let csv = "epoch,train_loss,test_loss,test_acc,sec\n" + rows.joined(separator: "\n") + "\n"
    try writeAtomically(csv, to: runFile(options.output, network, worldSize: p, threads: threads))
    let examplesPerSec = Double(train.count) / best
    let counts: KeyValuePairs<String, String> = ["world_size": "\(p)", "threads": "\(threads)", "epochs": "\(epochs)"]
    var fields: KeyValuePairs<String, Double> = ["train_loss": last.trainLoss, "test_acc": last.testAcc, "sec_per_epoch": best,
                                                 "examples_per_sec": examplesPerSec]
    if let baseline = bestSeconds(readRun(runFile(options.output, network, worldSize: 1, threads: 1))) {
      // Against one process with one thread, per core-sized worker used (ranks × threads).
      let efficiency = baseline / (Double(p * threads) * best)
      fields = ["train_loss": last.trainLoss, "test_acc": last.testAcc, "sec_per_epoch": best, "examples_per_sec": examplesPerSec,
                "speedup": baseline / best, "scaling_efficiency": efficiency]
    }
    printResult(chapter: Defaults.chapter, model: network.rawValue, fields, extra: counts)
  }

  /// Test loss and accuracy of the whole test set, each rank scoring every p-th example.
  func evaluateSharded(_ net: Module) throws -> (loss: Double, accuracy: Double) {
    net.train(false)
    defer { net.train(true) }
    let mine = Array(stride(from: group.rank, to: test.count, by: group.worldSize))
    var loss = 0.0, correct = 0.0
    withNoGrad {
      for start in stride(from: 0, to: mine.count, by: 1000) {
        let batch = test.batch(at: Array(mine[start..<min(start + 1000, mine.count)]))
        let scores = net(batch.inputs.reshaped([-1, 1, 28, 28]))
        let n = Double(batch.labels.count)
        loss += crossEntropy(logits: scores, targets: batch.labels).item() * n
        correct += accuracy(logits: scores, targets: batch.labels) * n
      }
    }
    let totals = Tensor([loss, correct, Double(mine.count)], shape: [3], dtype: .float64)
    try group.allReduce(totals)
    let t = totals.toDoubles()
    return (t[0] / t[2], t[1] / t[2])
  }
}

/// The file a training run of `network` at `worldSize` ranks × `threads` threads writes its epochs to.
func runFile(_ output: String, _ network: Network, worldSize: Int, threads: Int) -> String {
  (output as NSString).appendingPathComponent("run-\(network.rawValue)-p\(worldSize)-t\(threads).csv")
}

/// The rows of a run file (epoch, train_loss, test_loss, test_acc, sec), nil when there is none.
func readRun(_ path: String) -> [[Double]]? {
  guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
  let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }.filter { $0.count == 5 }
  return rows.isEmpty ? nil : rows
}

/// The fastest epoch of a run.
func bestSeconds(_ rows: [[Double]]?) -> Double? { rows?.map { $0[4] }.min() }
