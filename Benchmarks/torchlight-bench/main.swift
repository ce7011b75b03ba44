import Foundation
import Torchlight

// `make bench`: speed figures as `BENCH name=... key=value` lines, each with the reference it is
// compared against measured in the same run. Build in release; the machine is shared, so numbers
// are best-of-N and still move by ±30% between runs.
// Usage: torchlight-bench [--threads N]... [--only matmul|elementwise|autograd|dense|dataloader|lenet|lenet-bn|lenet-profile|lstm-charlm|gru-charlm|lstm-profile|gru-profile|transformer-charlm|transformer-profile|dcgan-step|dcgan-profile|vit|unet-step|unet-profile|unet-sample|checkpoint|blas-core]
var threadCounts: [Int] = []
var only: String?
var skipCompared = false
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
  case "--skip-compared":   // make bench times these beside PyTorch's, one at a time (peer_compare.py)
    skipCompared = true
  default:
    FileHandle.standardError.write(Data("torchlight-bench: unknown argument '\(arg)' (use --threads N, --only NAME)\n".utf8)); exit(2)
  }
}
if threadCounts.isEmpty { threadCounts = [1, 2] }

// Which OpenBLAS kernels run the products, and who chose them: every figure below depends on it.
let chooser = switch BLASCore.chosenBy { case .openBLAS: "openblas"; case .torchlight: "torchlight"; case .user: "user" }
print("BENCH name=blas_core core=\(BLASCore.name) chosen_by=\(chooser) openblas_choice=\(BLASCore.openBLASChoice)")
// Whether a second thread can speed up floating-point work at all on this machine.
if let most = threadCounts.max(), most > 1, only == nil || only == "blas-core" || only == "matmul" {
  benchThreadScaling(threads: most)
}

for threads in threadCounts {
  Threads.set(threads)
  if only == nil || only == "matmul" { benchMatmul(threads: threads) }
  if only == nil || only == "elementwise" { benchElementwise(threads: threads) }
  if only == nil || only == "autograd" { benchAutograd(threads: threads) }
  if only == nil || only == "dense" { benchDense(threads: threads) }
  if only == nil || only == "dataloader" { benchDataLoader(threads: threads) }
  if only == nil || only == "checkpoint" { benchCheckpoint(threads: threads) }
  if only == nil || only == "lenet" { benchLeNet(threads: threads) }
  if only == nil || only == "lenet-bn" { benchLeNetBN(threads: threads) }
  if only == "lenet-profile" { profileLeNet(threads: threads) }
  if (only == nil && !skipCompared) || only == "lstm-charlm" { benchCharLM(threads: threads, cell: .lstm) }
  if (only == nil && !skipCompared) || only == "gru-charlm" { benchCharLM(threads: threads, cell: .gru) }
  if only == "lstm-profile" { profileCharLM(threads: threads, cell: .lstm) }
  if only == "gru-profile" { profileCharLM(threads: threads, cell: .gru) }
  if (only == nil && !skipCompared) || only == "transformer-charlm" { benchTransformerCharLM(threads: threads) }
  if only == "transformer-profile" { profileTransformerCharLM(threads: threads) }
  if (only == nil && !skipCompared) || only == "dcgan-step" { benchDCGAN(threads: threads) }
  if only == "dcgan-profile" { profileDCGAN(threads: threads) }
  if (only == nil && !skipCompared) || only == "vit" { benchViT(threads: threads) }
  if (only == nil && !skipCompared) || only == "unet-step" { benchUNetStep(threads: threads) }
  if only == "unet-profile" { profileUNet(threads: threads) }
  if only == "unet-sample" { benchUNetSample(threads: threads) }
}
