import Foundation
import Torchlight

// `make bench`: speed figures as `BENCH name=... key=value` lines, each with the reference it is
// compared against measured in the same run. Build in release; the machine is shared, so numbers
// are best-of-N and still move by ±30% between runs.
// Usage: torchlight-bench [--threads N]... [--only matmul|elementwise|autograd|dataloader|lenet|lenet-bn|lenet-profile|lstm-charlm|gru-charlm|lstm-profile|gru-profile]
var threadCounts: [Int] = []
var only: String?
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
  switch arg {
  case "--threads":
    guard let v = args.popFirst().flatMap(Int.init), v >= 1 else {
      FileHandle.standardError.write(Data("torchlight-bench: --threads needs a positive integer\n".utf8)); exit(2)
    }
    threadCounts.append(v)
  case "--only":
    only = args.popFirst()
  default:
    FileHandle.standardError.write(Data("torchlight-bench: unknown argument '\(arg)' (use --threads N, --only NAME)\n".utf8)); exit(2)
  }
}
if threadCounts.isEmpty { threadCounts = [1, 2] }

for threads in threadCounts {
  Threads.set(threads)
  if only == nil || only == "matmul" { benchMatmul(threads: threads) }
  if only == nil || only == "elementwise" { benchElementwise(threads: threads) }
  if only == nil || only == "autograd" { benchAutograd(threads: threads) }
  if only == nil || only == "dataloader" { benchDataLoader(threads: threads) }
  if only == nil || only == "lenet" { benchLeNet(threads: threads) }
  if only == nil || only == "lenet-bn" { benchLeNetBN(threads: threads) }
  if only == "lenet-profile" { profileLeNet(threads: threads) }
  if only == nil || only == "lstm-charlm" { benchCharLM(threads: threads, cell: .lstm) }
  if only == "gru-charlm" { benchCharLM(threads: threads, cell: .gru) }
  if only == "lstm-profile" { profileCharLM(threads: threads, cell: .lstm) }
  if only == "gru-profile" { profileCharLM(threads: threads, cell: .gru) }
}
