import Foundation
import Testing
@testable import TorchlightNN

/// The Python of the peer benchmarks' virtual environment, when it exists.
let peersPython = FileManager.default.homeDirectoryForCurrentUser.path + "/.venvs/torchlight-peers/bin/python"

/// Reads each safetensors file named on the command line (a module's state dict, its inputs and
/// the weights of a test loss), runs the same layer in PyTorch, and writes its outputs and
/// gradients back next to it as `<file>.torch`. Tensors are float64.
private let pyTorchScript = #"""
import json, struct, sys
import torch

def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(body[b:e]), dtype=torch.float64).reshape(info["shape"]).clone()
    return out, meta

def write(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().to(torch.float64).numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw); offset += len(raw)
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for c in chunks: f.write(c)

for path in sys.argv[1:]:
    t, meta = read(path)
    kind = meta["mode"]
    kw = dict(num_layers=int(meta["layers"]), bias=meta["bias"] == "1", batch_first=meta["batch_first"] == "1",
              bidirectional=meta["bidirectional"] == "1", dtype=torch.float64)
    F, H = int(meta["input"]), int(meta["hidden"])
    if kind == "LSTM": m = torch.nn.LSTM(F, H, **kw)
    elif kind == "GRU": m = torch.nn.GRU(F, H, **kw)
    else: m = torch.nn.RNN(F, H, nonlinearity=kind[4:].lower(), **kw)
    m.load_state_dict({k[6:]: v for k, v in t.items() if k.startswith("param.")})
    x = t["x"].requires_grad_()
    h0 = t["h0"].requires_grad_()
    if kind == "LSTM":
        c0 = t["c0"].requires_grad_()
        out, (hn, cn) = m(x, (h0, c0))
        loss = (out * t["v_out"]).sum() + (hn * t["v_h"]).sum() + (cn * t["v_c"]).sum()
    else:
        out, hn = m(x, h0)
        loss = (out * t["v_out"]).sum() + (hn * t["v_h"]).sum()
    loss.backward()
    res = {"output": out, "hN": hn, "grad.x": x.grad, "grad.h0": h0.grad}
    if kind == "LSTM": res["cN"] = cn; res["grad.c0"] = c0.grad
    for name, p in m.named_parameters(): res["grad." + name] = p.grad
    write(path + ".torch", res)
"""#

@Suite("Recurrent layers against PyTorch", .enabled(if: FileManager.default.isExecutableFile(atPath: peersPython)))
struct RecurrentPyTorchTests {
  /// Same weights, inputs and loss in both engines: outputs, final states and every gradient
  /// agree to float64 rounding, so gate order, the GRU's reset gate, the layout of h_n and the
  /// parameter names are PyTorch's.
  @Test func outputsAndGradientsMatchPyTorch() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-rnn-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let configs: [(RecurrentKind, RecurrentConfig)] = RecurrentKind.allCases.flatMap { k in [
      (k, RecurrentConfig(kind: k, numLayers: 2, bidirectional: true, batchFirst: true, state: true)),
      (k, RecurrentConfig(kind: k, numLayers: 1, state: true, bias: false)),
    ] }
    var cases: [(path: String, setup: RecurrentSetup, ours: [String: Tensor])] = []
    for (i, (kind, config)) in configs.enumerated() {
      let s = RecurrentSetup(config, steps: 4, batch: 3, inputSize: 5, hiddenSize: 4, seed: UInt64(30 + i))
      let r = s.run()
      let g = Generator(seed: 77)
      let vOut = Tensor.uniform(r.output.shape, low: -1, high: 1, dtype: .float64, generator: g)
      let vH = Tensor.uniform(r.hN.shape, low: -1, high: 1, dtype: .float64, generator: g)
      let vC = r.cN.map { Tensor.uniform($0.shape, low: -1, high: 1, dtype: .float64, generator: g) }
      var loss = (r.output * vOut).sum() + (r.hN * vH).sum()
      if let c = r.cN, let vC { loss = loss + (c * vC).sum() }
      let leaves = s.leaves
      let grads = grad(of: loss, with: leaves)
      var ours: [String: Tensor] = ["output": r.output, "hN": r.hN, "grad.x": grads[0]!, "grad.h0": grads[1]!]
      if let c = r.cN { ours["cN"] = c; ours["grad.c0"] = grads[2]! }
      let firstParameter = kind == .lstm ? 3 : 2
      for (k, (name, _)) in s.module.namedParameters().enumerated() { ours["grad." + name] = grads[firstParameter + k]! }
      var tensors: [(String, Tensor)] = s.module.stateDict().map { ("param." + $0, $1) }
      tensors += [("x", s.x.detached()), ("h0", s.h0!.detached()), ("v_out", vOut), ("v_h", vH)]
      if let c0 = s.c0, let vC { tensors += [("c0", c0.detached()), ("v_c", vC)] }
      let m = s.module
      let metadata = ["mode": m.mode == .rnnTanh ? "RNN_TANH" : m.mode == .rnnRelu ? "RNN_RELU" : m.mode.layerName,
                      "layers": "\(m.numLayers)", "bias": m.bias ? "1" : "0", "batch_first": m.batchFirst ? "1" : "0",
                      "bidirectional": m.bidirectional ? "1" : "0", "input": "\(m.inputSize)", "hidden": "\(m.hiddenSize)"]
      let path = folder.appendingPathComponent("case\(i).safetensors").path
      try SafeTensors.write(tensors, to: path, metadata: metadata)
      cases.append((path, s, ours))
    }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: peersPython)
    process.arguments = ["-c", pyTorchScript] + cases.map(\.path)
    var environment = ProcessInfo.processInfo.environment
    environment["OMP_NUM_THREADS"] = "1"
    process.environment = environment
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      if message.contains("No module named 'torch'") { return }   // the venv is still being set up
      Issue.record("PyTorch failed: \(message)")
      return
    }
    var compared = 0, worst = 0.0
    for (path, s, ours) in cases {
      let theirs = Dictionary(uniqueKeysWithValues: try SafeTensors.read(path + ".torch"))
      #expect(Set(theirs.keys) == Set(ours.keys), "\(s.module.layerDescription): \(Set(theirs.keys).symmetricDifference(ours.keys))")
      for (name, mine) in ours {
        guard let other = theirs[name] else { continue }
        #expect(other.shape == mine.shape, "\(s.module.layerDescription) \(name): \(other.shape) vs \(mine.shape)")
        guard other.shape == mine.shape else { continue }
        let difference = (other - mine).abs().max().item()
        #expect(difference < 1e-12, "\(s.module.layerDescription) \(name) differs by \(difference)")
        compared += 1
        worst = Swift.max(worst, difference)
      }
    }
    #expect(compared > 100, "compared \(compared) tensors with PyTorch, largest difference \(worst)")
  }
}
