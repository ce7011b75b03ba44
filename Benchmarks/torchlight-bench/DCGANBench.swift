import Foundation
import Torchlight
import TorchlightNN
import TorchlightOptim

/// The chapter 12 DCGAN (width 16, latent 100) for one training iteration at batch 64, as
/// `Benchmarks/pytorch/dcgan_step.py` does in PyTorch: a discriminator step on a real batch and a
/// generated one (binary cross-entropy with logits, Adam 2e-4, β = (0.5, 0.999)), then a
/// generator step with the non-saturating loss. Random images stand in for Fashion-MNIST: the
/// work does not depend on the pixels. Reports images per second (real images through the
/// discriminator), the fastest of several chunks of steps.
func benchDCGAN(threads: Int, steps: Int = 15, chunks: Int = 4) {
  let g = Generator(seed: 21)
  let batch = 64, latent = 100, width = 16
  let netG = dcganGenerator(latent: latent, width: width, generator: g)
  let netD = dcganDiscriminator(width: width, normalization: .batch, generator: g)
  dcganInitialise(netG, generator: g)
  dcganInitialise(netD, generator: g)
  let optimizerG = Adam(parameters: netG.parameters(), lr: 2e-4, betas: (0.5, 0.999))
  let optimizerD = Adam(parameters: netD.parameters(), lr: 2e-4, betas: (0.5, 0.999))
  let real = Tensor.rand([batch, 1, 28, 28], generator: g) * 2 - 1
  let ones = Tensor.ones([batch, 1]), zeros = Tensor.zeros([batch, 1])
  var generatorSeconds = 0.0, discriminatorSeconds = 0.0
  func step() {
    let t0 = DispatchTime.now().uptimeNanoseconds
    let fake = withNoGrad { netG(Tensor.randn([batch, latent, 1, 1], generator: g)) }
    let lossD = (binaryCrossEntropyWithLogits(netD(real), ones) + binaryCrossEntropyWithLogits(netD(fake), zeros)) / 2
    optimizerD.zeroGrad(); lossD.backward(); optimizerD.step()
    let t1 = DispatchTime.now().uptimeNanoseconds
    let lossG = binaryCrossEntropyWithLogits(netD(netG(Tensor.randn([batch, latent, 1, 1], generator: g))), ones)
    optimizerG.zeroGrad(); lossG.backward(); optimizerG.step()
    blackHole(lossD.item() + lossG.item())
    let t2 = DispatchTime.now().uptimeNanoseconds
    discriminatorSeconds += Double(t1 - t0) / 1e9; generatorSeconds += Double(t2 - t1) / 1e9
  }
  for _ in 0..<3 { step() }   // warm up the buffer pool
  var best = Double.infinity, bestD = 0.0, bestG = 0.0
  for _ in 0..<chunks {
    discriminatorSeconds = 0; generatorSeconds = 0
    let seconds = bestTime(repeats: 1) { for _ in 0..<steps { step() } }
    if seconds < best { (best, bestD, bestG) = (seconds, discriminatorSeconds, generatorSeconds) }
  }
  let perStep = best / Double(steps)
  report("dcgan_step", ["threads": Double(threads), "images_per_sec": Double(batch) / perStep, "ms_per_step": perStep * 1e3,
                        "discriminator_step_ms": bestD / Double(steps) * 1e3, "generator_step_ms": bestG / Double(steps) * 1e3],
         extra: ["batch": "64", "width": "\(width)"])
}

/// Where a DCGAN iteration spends its time: each layer of the generator and the discriminator
/// timed alone on the input it sees in training (batch 64), forward and forward + backward.
func profileDCGAN(threads: Int, repeats: Int = 20) {
  let g = Generator(seed: 22)
  let batch = 64, latent = 100, width = 16
  let netG = dcganGenerator(latent: latent, width: width, generator: g)
  let netD = dcganDiscriminator(width: width, normalization: .batch, generator: g)
  dcganInitialise(netG, generator: g)
  dcganInitialise(netD, generator: g)
  func profile(_ model: Sequential, _ prefix: String, input: Tensor) {
    var x = input
    for (index, layer) in model.children().enumerated() {
      let input = x.detached().requiringGrad()
      let forward = bestTime(repeats: repeats) { blackHole(withNoGrad { layer(input) }) }
      let gradient = Tensor.ones(like: withNoGrad { layer(input) })
      let both = bestTime(repeats: repeats) {
        let y = layer(input)
        if y.requiresGrad { y.backward(gradient: gradient) }
      }
      report("dcgan_layer", ["threads": Double(threads), "forward_ms": forward * 1e3, "backward_ms": (both - forward) * 1e3],
             extra: ["layer": "\"\(prefix)\(index) \(type(of: layer)) \(input.shape)\""])
      x = withNoGrad { layer(input) }
    }
  }
  profile(netG, "G", input: Tensor.randn([batch, latent, 1, 1], generator: g))
  profile(netD, "D", input: Tensor.rand([batch, 1, 28, 28], generator: g))
  let randn = bestTime(repeats: repeats) { blackHole(Tensor.randn([batch, latent, 1, 1], generator: g)) }
  report("dcgan_layer", ["threads": Double(threads), "forward_ms": randn * 1e3, "backward_ms": 0], extra: ["layer": "\"randn noise\""])
}
