import ChapterKit
import Foundation
import TorchlightPlot

/// The runs a full `make distributed` makes, as (world size, threads per rank).
let configurations = [(1, 1), (1, 2), (2, 1), (4, 1)]

func label(_ c: (Int, Int)) -> String { "\(c.0) rank\(c.0 == 1 ? "" : "s") × \(c.1) thread\(c.1 == 1 ? "" : "s")" }

/// Reads a CSV with a header line into rows of numbers.
func readCSV(_ path: String) -> [[Double]]? {
  guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
  let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
  return rows.isEmpty ? nil : rows
}

/// The ring all-reduce model t = α + 2(p−1)/p · bytes / B fitted to measured times by least
/// squares on relative errors (so the small sizes count as much as the large ones).
func fitRing(_ rows: [[Double]], worldSize p: Int) -> (latency: Double, bandwidth: Double)? {
  var s = [[0.0, 0.0], [0.0, 0.0]], r = [0.0, 0.0]
  for row in rows {
    let x = 2 * Double(p - 1) / Double(p) * row[0] * 4, t = row[1], w = 1 / (t * t)
    s[0][0] += w; s[0][1] += w * x; s[1][1] += w * x * x
    r[0] += w * t; r[1] += w * x * t
  }
  let det = s[0][0] * s[1][1] - s[0][1] * s[0][1]
  guard det != 0 else { return nil }
  let alpha = (r[0] * s[1][1] - s[0][1] * r[1]) / det, beta = (s[0][0] * r[1] - s[0][1] * r[0]) / det
  return beta > 0 ? (max(alpha, 0), 1 / beta) : nil
}

/// Draws every figure whose runs are in `output`: curves, scaling, all-reduce cost, buckets.
func drawReport(_ plotter: Plotter, output: String) throws {
  let path = { (name: String) in (output as NSString).appendingPathComponent(name) }
  // Training curves and scaling, per network.
  var curvePanels: [LinePlot] = []
  var speedups: [Series] = [], efficiencies: [Series] = []
  for (n, network) in Network.allCases.enumerated() {
    let runs = configurations.compactMap { c in readRun(runFile(output, network, worldSize: c.0, threads: c.1)).map { (c, $0) } }
    guard !runs.isEmpty else { continue }
    curvePanels.append(LinePlot(title: "\(network.rawValue): training loss", xLabel: "epoch", yLabel: "loss",
                                series: runs.enumerated().map { i, r in
                                  Series(label(r.0), x: r.1.map { $0[0] }, y: r.1.map { $0[1] }, style: i == 0 ? .lines : .dashed, color: i) }))
    curvePanels.append(LinePlot(title: "\(network.rawValue): test accuracy", xLabel: "epoch", yLabel: "accuracy",
                                series: runs.enumerated().map { i, r in
                                  Series(label(r.0), x: r.1.map { $0[0] }, y: r.1.map { $0[3] }, style: i == 0 ? .lines : .dashed, color: i) }))
    guard let base = runs.first(where: { $0.0 == (1, 1) }).flatMap({ bestSeconds($0.1) }) else { continue }
    let ranked = runs.filter { $0.0.1 == 1 }
    speedups.append(Series("\(network.rawValue): p ranks × 1 thread", x: ranked.map { Double($0.0.0) },
                           y: ranked.map { base / bestSeconds($0.1)! }, style: .linesPoints, color: n))
    efficiencies.append(Series("\(network.rawValue): p ranks × 1 thread", x: ranked.map { Double($0.0.0) },
                               y: ranked.map { base / (Double($0.0.0) * bestSeconds($0.1)!) }, style: .linesPoints, color: n))
    if let threaded = runs.first(where: { $0.0 == (1, 2) }) {
      let s = base / bestSeconds(threaded.1)!
      speedups.append(Series("\(network.rawValue): 1 process × 2 threads", x: [2], y: [s], style: .points, color: n))
      efficiencies.append(Series("\(network.rawValue): 1 process × 2 threads", x: [2], y: [s / 2], style: .points, color: n))
    }
  }
  if !curvePanels.isEmpty {
    try plotter.save(PlotGrid(title: "The same global batch (256) on 1, 2 and 4 ranks: the same curves", panels: curvePanels, columns: 2),
                     name: "curves", width: 1000, height: 380 * ((curvePanels.count + 1) / 2))
  }
  if !speedups.isEmpty {
    let maxRanks = speedups.flatMap(\.x).max() ?? 2
    let ideal = Series("ideal (p×)", x: [1, maxRanks], y: [1, maxRanks], style: .dashed, color: 7)
    let cores = Series("2 cores", x: [1, maxRanks], y: [2, 2], style: .dashed, color: 6)
    try plotter.save(PlotGrid(title: "Throughput against one process with one thread (two cores; 4 ranks are oversubscribed)", panels: [
      LinePlot(title: "speed-up", xLabel: "ranks (or threads)", yLabel: "× one process, one thread", series: [ideal, cores] + speedups),
      LinePlot(title: "scaling efficiency", xLabel: "ranks (or threads)", yLabel: "speed-up / p", series: efficiencies, yRange: 0...1.1),
    ], columns: 2), name: "scaling", width: 1000, height: 420)
  }
  // All-reduce cost.
  var series: [Series] = []
  var c = 0
  for transportName in ["shared-memory", "tcp"] {
    for p in [2, 4] {
      guard let rows = readCSV(path("allreduce-\(transportName)-p\(p).csv")) else { continue }
      series.append(Series("\(transportName), \(p) ranks: MPI_Allreduce", x: rows.map { $0[0] }, y: rows.map { $0[1] * 1e6 }, style: .points, color: c))
      if transportName == "shared-memory" && p == 2 && rows.allSatisfy({ $0.count > 2 }) {
        series.append(Series("shared-memory, 2 ranks: MPI_Iallreduce + MPI_Wait", x: rows.map { $0[0] }, y: rows.map { $0[2] * 1e6 },
                             style: .points, color: 5))
      }
      if let fit = fitRing(rows, worldSize: p) {
        let xs = rows.map { $0[0] }
        series.append(Series(String(format: "ring model: %.0f µs + 2(p−1)/p · bytes / %.2f GB/s", fit.latency * 1e6, fit.bandwidth / 1e9),
                             x: xs, y: xs.map { (fit.latency + 2 * Double(p - 1) / Double(p) * $0 * 4 / fit.bandwidth) * 1e6 }, color: c))
      }
      c += 1
    }
  }
  if !series.isEmpty {
    try plotter.save(LinePlot(title: "All-reduce (sum) of n float32 values: measured, and the ring model fitted", xLabel: "floats",
                              yLabel: "time (µs)", series: series, logX: true, logY: true), name: "allreduce", width: 900, height: 520)
  }
  // Federated averaging against DDP at the same number of examples seen.
  var federated: [Series] = []
  for (i, p) in [2, 4].enumerated() {
    guard let rows = readCSV(path("fedavg-p\(p).csv")) else { continue }
    federated.append(Series("federated averaging, \(p) ranks, non-IID classes", x: rows.map { $0[1] / 60_000 }, y: rows.map { $0[2] },
                            style: .linesPoints, color: i))
    if let ddp = readRun(runFile(output, .mlp, worldSize: p, threads: 1)) {
      federated.append(Series("DistributedDataParallel, \(p) ranks", x: ddp.map { $0[0] }, y: ddp.map { $0[3] }, style: .dashed, color: i))
    }
  }
  if !federated.isEmpty {
    try plotter.save(LinePlot(title: "The MLP: federated averaging (one round: one local epoch per rank, then the average) against DDP",
                              xLabel: "examples seen / 60,000 (DDP: epochs; federated: rounds)", yLabel: "test accuracy", series: federated),
                     name: "fedavg", width: 900, height: 500)
  }
  // Buckets: step time against bucket size, and how much of the all-reduce backward hides (the
  // all-reduce left once the last rank has finished backward, and the hooks' and MPI's cost inside it).
  var bucketSeries: [Series] = [], overlapSeries: [Series] = []
  for (n, network) in Network.allCases.enumerated() {
    guard let rows = readCSV(path("buckets-\(network.rawValue)-p2.csv")), rows.count > 2 else { continue }
    let synced = rows.filter { $0[0] > 0 }
    let floor = rows.first { $0[0] == 0 }![2] * 1e3
    bucketSeries.append(Series("\(network.rawValue): step time", x: synced.map { $0[0] }, y: synced.map { $0[2] * 1e3 }, style: .linesPoints, color: n))
    bucketSeries.append(Series("\(network.rawValue): no communication (noSync)", x: [synced.map { $0[0] }.min()!, synced.map { $0[0] }.max()!],
                               y: [floor, floor], style: .dashed, color: n))
    bucketSeries.append(Series("\(network.rawValue): waiting after backward", x: synced.map { $0[0] }, y: synced.map { $0[3] * 1e3 }, style: .points, color: n + 2))
    guard rows[0].count > 5 else { continue }
    overlapSeries.append(Series("\(network.rawValue): all-reduce left after the last rank's backward", x: synced.map { $0[0] }, y: synced.map { $0[5] * 1e3 },
                                style: .linesPoints, color: n))
    overlapSeries.append(Series("\(network.rawValue): time in the hooks and MPI calls during backward", x: synced.map { $0[0] }, y: synced.map { $0[4] * 1e3 },
                                style: .dashed, color: n))
  }
  if !bucketSeries.isEmpty {
    try plotter.save(LinePlot(title: "Step time against bucket size, 2 ranks (one bucket: the all-reduce waits for the end of backward)",
                              xLabel: "bucket size (MB)", yLabel: "ms", series: bucketSeries, logX: true), name: "buckets", width: 900, height: 500)
  }
  if !overlapSeries.isEmpty {
    try plotter.save(LinePlot(title: "How much of the all-reduce backward hides, 2 ranks (right: one bucket, nothing hidden)",
                              xLabel: "bucket size (MB)", yLabel: "ms per step", series: overlapSeries, logX: true), name: "overlap", width: 900, height: 500)
  }
}
