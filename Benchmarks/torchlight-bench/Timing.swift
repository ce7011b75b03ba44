import Foundation

/// Seconds taken by `body`, best of `repeats` runs (the least disturbed one: the machine is
/// shared, so the minimum is the honest estimate of what the code costs).
///
/// Wall time by default. With `BENCH_CLOCK=cpu` in the environment it is the CPU time of this
/// process instead: on one thread that is what the code costs even while other programs keep the
/// cores busy, which makes before/after comparisons of one kernel possible on a loaded machine.
func bestTime(repeats: Int, _ body: () -> Void) -> Double {
  var best = Double.infinity
  for _ in 0..<repeats {
    let start = benchClock()
    body()
    best = min(best, benchClock() - start)
  }
  return best
}

let benchUsesCPUClock = ProcessInfo.processInfo.environment["BENCH_CLOCK"] == "cpu"

/// Now, in seconds, on the clock `bestTime` uses.
func benchClock() -> Double {
  var t = timespec()
  clock_gettime(benchUsesCPUClock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Prints one machine-readable line: `BENCH name=... key=value ...`.
func report(_ name: String, _ fields: KeyValuePairs<String, Double>, extra: [String: String] = [:]) {
  var parts = ["BENCH name=\(name)"]
  for (k, v) in extra.sorted(by: { $0.key < $1.key }) { parts.append("\(k)=\(v)") }
  for (k, v) in fields { parts.append("\(k)=\(format(v))") }
  print(parts.joined(separator: " "))
  fflush(nil)
}

func format(_ v: Double) -> String {
  if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
  return abs(v) >= 100 ? String(format: "%.1f", v) : String(format: "%.3g", v)
}

/// Keeps a value alive so the optimiser cannot drop the work that made it.
@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }
