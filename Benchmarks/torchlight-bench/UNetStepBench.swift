import Foundation
import Torchlight
import TorchlightNN
import TorchlightOptim

/// One training step of chapter 13's class-conditional U-Net (channels 32/64, attention at 7×7)
/// on a batch of 64 noisy 28×28 images: forward, the simplified loss, backward, AdamW. The same
/// network and step in PyTorch: Benchmarks/pytorch/unet_step.py. Reported per step and as an
/// epoch of 937 steps (60,000 images), the figure `peer_compare.py` compares.
func benchUNetStep(threads: Int, steps: Int = 10) {
  let g = Generator(seed: 21)
  let batch = 64, stepsPerEpoch = 60_000 / 64
  let unet = DiffusionUNet(channels: 32, generator: g)
  let schedule = NoiseSchedule.linear(steps: 1000)
  let optimizer = AdamW(parameters: unet.parameters(), lr: 1e-3, weightDecay: 0)
  let x0 = Tensor.rand([batch, 1, 28, 28], generator: g) * 2 - 1
  let labels = Tensor.randint(0, 11, [batch], generator: g)
  func step() {
    let t = Tensor.randint(0, 1000, [batch], generator: g).toArray(Int64.self).map(Int.init)
    let noise = Tensor.randn(x0.shape, generator: g)
    let loss = mseLoss(unet(schedule.noised(x0, steps: t, noise: noise), steps: t.map(Double.init), labels: labels), noise)
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
    blackHole(loss.item())
  }
  for _ in 0..<2 { step() }   // warm up the buffer pool
  let best = bestTime(repeats: 2) { for _ in 0..<steps { step() } } / Double(steps)
  report("unet_step", ["threads": Double(threads), "sec_per_epoch": best * Double(stepsPerEpoch), "ms_per_step": best * 1e3],
         extra: ["batch": "64", "parameters": "\(unet.parameterCount)"])
}

/// Where a U-Net step goes: the forward and backward time of each kind of layer at the sizes
/// the network uses it (batch 64), one layer at a time (`--only unet-profile`). `uses` is how
/// often one step applies the layer. The same cases in PyTorch: Benchmarks/pytorch/unet_profile.py.
func profileUNet(threads: Int, repeats: Int = 5) {
  let g = Generator(seed: 22)
  func call(_ layer: Module) -> (Tensor) -> Tensor { { layer($0) } }
  func conv(_ i: Int, _ o: Int, _ k: Int, stride: Int = 1) -> (Tensor) -> Tensor {
    call(Conv2d(i, o, kernelSize: Size2(k), stride: Size2(stride), padding: Size2(k / 2), generator: g))
  }
  let fused = GroupNorm(numGroups: 8, numChannels: 64)
  let cases: [(String, (Tensor) -> Tensor, [Int], Int)] = [
    ("conv 1→32 3×3 at 28×28", conv(1, 32, 3), [64, 1, 28, 28], 1),
    ("conv 32→32 3×3 stride 2 from 28×28", conv(32, 32, 3, stride: 2), [64, 32, 28, 28], 1),
    ("conv 32→32 3×3 at 14×14", conv(32, 32, 3), [64, 32, 14, 14], 3),
    ("conv 32→64 3×3 stride 2 from 14×14", conv(32, 64, 3, stride: 2), [64, 32, 14, 14], 1),
    ("conv 64→64 3×3 at 7×7", conv(64, 64, 3), [64, 64, 7, 7], 5),
    ("conv 128→64 3×3 at 7×7", conv(128, 64, 3), [64, 128, 7, 7], 1),
    ("conv 128→64 1×1 at 7×7", conv(128, 64, 1), [64, 128, 7, 7], 1),
    ("conv 64→32 3×3 at 14×14", conv(64, 32, 3), [64, 64, 14, 14], 2),
    ("conv 64→32 1×1 at 14×14", conv(64, 32, 1), [64, 64, 14, 14], 1),
    ("conv 64→32 3×3 at 28×28", conv(64, 32, 3), [64, 64, 28, 28], 1),
    ("conv 32→32 3×3 at 28×28", conv(32, 32, 3), [64, 32, 28, 28], 1),
    ("conv 64→32 1×1 at 28×28", conv(64, 32, 1), [64, 64, 28, 28], 1),
    ("conv 32→1 3×3 at 28×28", conv(32, 1, 3), [64, 32, 28, 28], 1),
    ("groupnorm 8 groups, 32 ch at 14×14", call(GroupNorm(numGroups: 8, numChannels: 32)), [64, 32, 14, 14], 5),
    ("groupnorm 8 groups, 64 ch at 28×28", call(GroupNorm(numGroups: 8, numChannels: 64)), [64, 64, 28, 28], 1),
    ("groupnorm + silu fused, 64 ch at 28×28", { fused.silu($0) }, [64, 64, 28, 28], 1),
    ("silu, 32 ch at 14×14", call(SiLU()), [64, 32, 14, 14], 5),
    ("silu, 64 ch at 28×28", call(SiLU()), [64, 64, 28, 28], 1),
    ("attention, 64 ch at 7×7", call(SelfAttention2d(64, generator: g)), [64, 64, 7, 7], 1),
  ]
  // UNET_PROFILE_ONLY=text keeps the cases whose name contains it (to profile one layer alone).
  let only = ProcessInfo.processInfo.environment["UNET_PROFILE_ONLY"]
  for (name, layer, shape, uses) in cases where only.map({ name.contains($0) }) ?? true {
    let input = Tensor.randn(shape, generator: g).requiringGrad()
    let forward = bestTime(repeats: repeats) { _ = withNoGrad { layer(input) } }
    let gradient = Tensor.ones(like: withNoGrad { layer(input) })
    let both = bestTime(repeats: repeats) { layer(input).backward(gradient: gradient) }
    report("unet_layer", ["threads": Double(threads), "uses": Double(uses), "forward_ms": forward * 1e3,
                          "backward_ms": (both - forward) * 1e3],
           extra: ["layer": "\"\(name)\""])
  }
}

/// The U-Net as a sampler sees it: one forward pass without a graph, in evaluation mode, per
/// image, at the batch sizes a sampler might use (`--only unet-sample`). A DDIM sample of S steps
/// costs S such passes (2S with guidance).
func benchUNetSample(threads: Int) {
  let g = Generator(seed: 23)
  let unet = DiffusionUNet(channels: 32, generator: g)
  unet.eval()
  for batch in [32, 64, 128, 250, 500] {
    let x = Tensor.randn([batch, 1, 28, 28], generator: g)
    let labels = Tensor.randint(0, 11, [batch], generator: g)
    let steps = [Double](repeating: 500, count: batch)
    func pass() { withNoGrad { blackHole(unet(x, steps: steps, labels: labels).sum().item()) } }
    pass()
    let best = bestTime(repeats: 3) { pass() }
    report("unet_sample_pass", ["threads": Double(threads), "batch": Double(batch), "ms_per_image": best * 1e3 / Double(batch)])
  }
}
