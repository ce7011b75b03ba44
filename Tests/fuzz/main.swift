// torchlight-fuzz: feeds mutated IDX or safetensors files to the loaders and checks that each is
// either refused with an error or read into a result that adds up, never a crash.
//
//   torchlight-fuzz idx|safetensors [--cases N] [--seed S]      run cases 0..<N
//   torchlight-fuzz idx|safetensors --seed S --case K --save F   write case K's bytes to F
//
// Before each case it prints `case K: <how the input was made>` and flushes, so when the loader
// traps, the last such line names the input; the test that runs it (LoaderFuzzTests) then asks
// for that case's bytes with --save. Exit status: 0 all cases held, 1 a result was wrong, 2 usage.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> UInt64? {
  arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? UInt64(arguments[$0 + 1]) : nil }
}
guard let format = arguments.first, ["idx", "safetensors"].contains(format) else {
  FileHandle.standardError.write(Data("usage: torchlight-fuzz idx|safetensors [--cases N] [--seed S] [--case K --save FILE]\n".utf8))
  exit(2)
}
let seed = option("--seed") ?? 0

/// Case `k` of this seed, made from its own generator so that it can be made again alone.
func makeCase(_ k: Int) -> (input: FuzzCase, run: () throws -> String) {
  var rng = SplitMix64(seed: seed &* 0x1_0000_0001 &+ UInt64(k))
  if format == "idx" {
    let (input, axes) = IDXCases.make(&rng)
    return (input, { try IDXCases.run(input, axes: axes) })
  }
  let (input, original) = SafeTensorsCases.make(&rng)
  return (input, { try SafeTensorsCases.run(input, original: original) })
}

if let k = option("--case"), let save = arguments.firstIndex(of: "--save").map({ arguments[$0 + 1] }) {
  let input = makeCase(Int(k)).input
  try Data(input.bytes).write(to: URL(fileURLWithPath: save))
  print("case \(k): \(input.steps.joined(separator: ", ")) (\(input.bytes.count) bytes) written to \(save)")
  exit(0)
}

var outcomes: [String: Int] = [:]
for k in 0..<Int(option("--cases") ?? 2000) {
  let (input, run) = makeCase(k)
  print("case \(k): \(input.steps.joined(separator: ", "))")
  fflush(nil)   // every open stream: the line must be out before the case runs
  do {
    outcomes[try run(), default: 0] += 1
  } catch {
    print("FAIL case \(k): \(error)")
    exit(1)
  }
}
print("done: \(outcomes["accepted", default: 0]) accepted, \(outcomes["refused", default: 0]) refused")
