import ArgumentParser
import ChapterKit
import Foundation
import Torchlight
import TorchlightDistributed
import TorchlightPlot

/// The defaults shown by `--help`. The batch size is the global batch: each of p ranks takes
/// 1/p of it, so every world size takes the same steps.
enum Defaults: ChapterDefaults {
  static let chapter = "distributed"
  static let epochs = 5
  static let batchSize = 256
  static let lr = 0.1
}

/// The parts, in the order of the chapter's page.
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, training, allreduce, buckets, fedavg, report
}

/// `mpirun -np 2 .build/release/distributed --threads 1`: the MLP and LeNet trained data-parallel
/// over the ranks, the all-reduce's cost against message size, and the overlap of the gradient
/// all-reduce with backward against the bucket size; `--part report` draws the figures of every
/// world size run so far.
struct DistributedChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "distributed",
    abstract: "Data-parallel training on Open MPI: DistributedDataParallel and DistributedSampler on Fashion-MNIST, all-reduce cost against message size, gradient buckets and overlap (chapter 15). Run under mpirun -np N.")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Which part to run: all, training (the networks at this world size), allreduce (time against message size; 2+ ranks), buckets (step time against bucket size; 2+ ranks), fedavg (federated averaging of the MLP on non-IID shards; 2+ ranks), report (figures from every run so far in --output). (default: all)",
          transform: choice(Part.self))
  var part: Part = .all

  @Option(help: "Which networks to train: all, mlp (5 epochs unless --epochs) or lenet (3 epochs unless --epochs). (default: all)",
          transform: choice(TextbookNetworkChoice.self))
  var network: TextbookNetworkChoice = .all

  @Option(name: .customLong("bucket-mb"), parsing: .unconditional, help: "DistributedDataParallel's bucket size in megabytes (PyTorch's bucket_cap_mb).")
  var bucketMB = 25.0

  @Flag(help: "Rank 0 writes <output>/checkpoint-<network>.safetensors after every epoch (model, optimizer, epoch); the other ranks write nothing.")
  var checkpoints = false

  @Flag(name: .customLong("continue"),
        help: "Continue from those checkpoints: rank 0 reads them, DistributedDataParallel's broadcast brings the weights to the other ranks, and a broadcast of its own the optimizer's state and the epoch. Any world size may continue any other's run.")
  var continueTraining = false

  @Option(parsing: .unconditional, help: "Communication rounds of federated averaging (one local epoch each).")
  var rounds = 5

  func validate() throws {
    guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
    guard bucketMB > 0 && bucketMB.isFinite else { throw ValidationError("--bucket-mb must be positive, got \(bucketMB)") }
  }

  func run() throws {
    let group: ProcessGroup
    do { group = try ProcessGroup.world() } catch { throw ChapterError("\(error)") }
    defer { group.finish() }
    options.apply()
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let localRanks = Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "1") ?? 1
    let threads = min(options.threads, max(1, cores / max(1, localRanks)))
    if threads != Threads.count { Threads.set(threads) }
    let main = group.rank == 0
    if main {
      if !group.usesMPI {
        print("note: not started by mpirun, so this is a world of one process (collectives leave tensors as they are); run `mpirun -np 2 \(CommandLine.arguments[0]) --threads 1` for two")
      }
      print("# world size \(group.worldSize), \(threads) thread\(threads == 1 ? "" : "s") per rank\(localRanks * threads > cores ? " (\(localRanks * threads) threads on \(cores) cores: oversubscribed)" : "")")
    }
    let runs = { (p: Part) in part == .all || part == p }
    if runs(.training) {
      let data = try options.loadFashionMNIST(quickLimit: (train: 2000, test: 500))
      for net in network.networks {
        try DistributedTraining(net, chapter: self, group: group, threads: threads, train: data.train, test: data.test).run()
      }
    }
    if group.worldSize > 1 {
      if runs(.allreduce) { try measureAllReduce(group: group, quick: options.quick, output: options.output) }
      if runs(.buckets) {
        let data = try options.loadFashionMNIST(quickLimit: (train: 2000, test: 500))
        try measureBuckets(network.networks.last!, group: group, options: options, train: data.train)
      }
      if runs(.fedavg) {
        let data = try options.loadFashionMNIST(quickLimit: (train: 2000, test: 500))
        try runFederatedAveraging(group: group, options: options, train: data.train, test: data.test,
                                  rounds: options.quick ? 2 : rounds, localEpochs: 1)
      }
    } else if part == .allreduce || part == .buckets || part == .fedavg {
      throw ChapterError("--part \(part.rawValue) measures communication between ranks: run it under mpirun -np 2 or more")
    }
    if main && (part == .all || part == .report) {
      let plotter = Plotter(directory: options.output)
      try drawReport(plotter, output: options.output)
      print("\n" + plotter.summary())
    }
  }
}
