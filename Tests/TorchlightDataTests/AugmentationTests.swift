import Foundation
import Testing
@testable import TorchlightData

/// What an exit test's child wrote to standard error.
func childStderr(_ result: ExitTest.Result?) -> String { String(decoding: result?.standardErrorContent ?? [], as: UTF8.self) }

/// Images whose every pixel is a distinct value, so moved pixels can be traced.
func numberedImages(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Tensor {
  Tensor.arange(0, Double(n * c * h * w)).float().view(n, c, h, w) / Double(n * c * h * w)
}

@Suite("Augmentation: crops, jitter, noise, erasing") struct AugmentationTests {
  @Test func flipRateAndCropShiftsFollowTheirSettings() {
    // A ramp 0, 1, 2 in each row: flipped rows start with 2.
    let ramp = Tensor([0.0, 1, 2], shape: [1, 1, 1, 3]).expanded([4000, 1, 1, 3]).contiguous()
    for p in [0.3, 0.5] {
      let flipped = RandomHorizontalFlip(p: p)(ramp, generator: Generator(seed: 20)).toDoubles()
      let rate = Double(stride(from: 0, to: flipped.count, by: 3).filter { flipped[$0] == 2 }.count) / 4000
      #expect(Swift.abs(rate - p) < 0.025, "flip rate \(rate) for p = \(p)")
    }
    #expect(RandomHorizontalFlip()(ramp, generator: Generator(seed: 21)).toDoubles() == RandomHorizontalFlip()(ramp, generator: Generator(seed: 21)).toDoubles())
    // Padding 2 around a 1×1 image cropped to 1×1: the pixel survives in 1 of the 25 windows.
    let crops = RandomCrop(size: 1, padding: 2)(Tensor.ones([5000, 1, 1, 1]), generator: Generator(seed: 22)).toDoubles()
    let survived: Double = crops.reduce(0, +) / 5000
    #expect(Swift.abs(survived - 0.04) < 0.01)
    #expect(RandomCrop(size: 1, padding: 2)(Tensor.ones([5000, 1, 1, 1]), generator: Generator(seed: 22)).toDoubles() == crops)
  }

  @Test func randomResizedCropWindowsFollowScaleAndRatio() {
    let crop = RandomResizedCrop(size: 8)
    let draws = UniformDraws(Generator(seed: 1))
    var fractions: [Double] = []
    for _ in 0..<2000 {
      let box = crop.window(imageHeight: 100, imageWidth: 100, draws: draws)
      #expect(box.top >= 0 && box.left >= 0 && box.top + box.height <= 100 && box.left + box.width <= 100)
      let aspect = Double(box.width) / Double(box.height)
      // Rounding each side to whole pixels moves the ratio and area a little past the draw's range.
      #expect(aspect > 0.75 * 0.9 && aspect < 4.0 / 3 * 1.1, "aspect \(aspect) of \(box)")
      fractions.append(Double(box.area) / 10_000)
    }
    #expect(fractions.min()! >= 0.08 * 0.9 && fractions.max()! <= 1)
    // s ~ U(0.08, 1) has mean 0.54; draws that do not fit (large s with a wide ratio) are redrawn, pulling it lower.
    let mean = fractions.reduce(0, +) / Double(fractions.count)
    #expect(mean > 0.42 && mean < 0.54, "mean area fraction \(mean)")
    // A ratio range the 10×10 image cannot meet at full scale: the centred fallback, clamped to the range.
    let wide = RandomResizedCrop(size: 4, scale: 1...1, ratio: 2...3)
    #expect(wide.window(imageHeight: 10, imageWidth: 10, draws: draws) == PixelWindow(top: 2, left: 0, height: 5, width: 10))
    let tall = RandomResizedCrop(size: 4, scale: 1...1, ratio: 0.25...0.5)
    #expect(tall.window(imageHeight: 10, imageWidth: 10, draws: draws) == PixelWindow(top: 0, left: 2, height: 10, width: 5))
  }

  @Test func randomResizedCropResizesTheWindow() {
    let g = Generator(seed: 2)
    let images = numberedImages(6, 2, 12, 10)
    let out = RandomResizedCrop(height: 7, width: 5)(images, generator: g)
    #expect(out.shape == [6, 2, 7, 5])
    // The whole image at its own size is the image itself; resized, it is `Resize`.
    let whole = RandomResizedCrop(height: 12, width: 10, scale: 1...1, ratio: (10.0 / 12)...(10.0 / 12))
    #expect(whole(images, generator: g).toDoubles() == images.toDoubles())
    let resized = RandomResizedCrop(height: 5, width: 3, scale: 1...1, ratio: (10.0 / 12)...(10.0 / 12))(images, generator: g)
    expectSame(resized, Resize(height: 5, width: 3)(images, generator: g), tolerance: 1e-6)
    // Crops come from inside the image: values stay within the image's range.
    #expect(out.min().item() >= 0 && out.max().item() < 1)
    let again = RandomResizedCrop(height: 7, width: 5)(images, generator: Generator(seed: 2))
    #expect(again.toDoubles() == out.toDoubles(), "a fixed seed repeats")
  }

  @Test func colorJitterDrawsFactorsInItsRanges() {
    // A flat gray image: brightness b gives 0.5·b; contrast leaves a flat image unchanged.
    let flat = Tensor.full([4000, 1, 2, 2], 0.5)
    let bright = ColorJitter(brightness: 0.4)(flat, generator: Generator(seed: 3)).toDoubles()
    let factors = stride(from: 0, to: bright.count, by: 4).map { bright[$0] / 0.5 }
    #expect(factors.allSatisfy { $0 >= 0.6 - 1e-6 && $0 <= 1.4 + 1e-6 })
    #expect(Swift.abs(factors.reduce(0, +) / 4000 - 1) < 0.02 && factors.min()! < 0.62 && factors.max()! > 1.38,
            "mean \(factors.reduce(0, +) / 4000), range \(factors.min()!)…\(factors.max()!)")
    #expect(ColorJitter(contrast: 0.8)(flat, generator: Generator(seed: 3)).toDoubles().allSatisfy { Swift.abs($0 - 0.5) < 1e-6 })
    // Contrast keeps the mean and scales the spread around it by k ∈ [0.5, 1.5].
    let pattern = Tensor([0.3, 0.7, 0.4, 0.6], shape: [1, 1, 2, 2]).expanded([500, 1, 2, 2]).contiguous()
    let contrasted = ColorJitter(contrast: 0.5)(pattern, generator: Generator(seed: 4))
    let means = contrasted.mean(axes: [1, 2, 3]).toDoubles()
    #expect(means.allSatisfy { Swift.abs($0 - 0.5) < 1e-6 })
    let spread = contrasted.toDoubles(), ks = stride(from: 0, to: spread.count, by: 4).map { (spread[$0 + 1] - spread[$0]) / 0.4 }
    #expect(ks.allSatisfy { $0 >= 0.5 - 1e-5 && $0 <= 1.5 + 1e-5 } && ks.min()! < 0.55 && ks.max()! > 1.45)
    // Brightness alone works on any number of channels; contrast needs gray or RGB.
    #expect(ColorJitter(brightness: 0.2)(numberedImages(2, 2, 3, 3), generator: Generator(seed: 5)).shape == [2, 2, 3, 3])
    // Pixels stay in [0, 1].
    let strong = ColorJitter(brightness: 3, contrast: 3)(numberedImages(50, 3, 4, 4), generator: Generator(seed: 5))
    #expect(strong.min().item() >= 0 && strong.max().item() <= 1)
  }

  @Test func gaussianNoiseHasItsStandardDeviation() {
    let x = Tensor.full([20, 1, 20, 20], 0.5)
    let noise = GaussianNoise(std: 0.05, clip: false)(x, generator: Generator(seed: 6)) - x
    #expect(Swift.abs(noise.mean().item()) < 0.003 && Swift.abs(noise.std().item() - 0.05) < 0.002)
    let clipped = GaussianNoise(std: 2)(x, generator: Generator(seed: 6))
    #expect(clipped.min().item() == 0 && clipped.max().item() == 1)
    #expect(GaussianNoise()(x, generator: Generator(seed: 7)).toDoubles() == GaussianNoise()(x, generator: Generator(seed: 7)).toDoubles())
  }

  @Test func randomErasingRateAndAreas() {
    let n = 2000
    let ones = Tensor.ones([n, 2, 32, 32])
    let erased = RandomErasing()(ones, generator: Generator(seed: 8))
    #expect(erased.shape == ones.shape)
    let zeros = (1 - erased).sum(axes: [1, 2, 3]).toDoubles().map { $0 / 2 }   // erased pixels per image
    let rate = Double(zeros.filter { $0 > 0 }.count) / Double(n)
    #expect(Swift.abs(rate - 0.5) < 0.04, "erased \(rate) of the images")
    // Every erased area is 2%–33% of 1024 pixels, up to rounding each side; both channels alike.
    let fractions = zeros.filter { $0 > 0 }.map { $0 / 1024 }
    #expect(fractions.min()! >= 0.02 * 0.7 && fractions.max()! <= 0.33 * 1.15, "\(fractions.min()!)…\(fractions.max()!)")
    #expect(fractions.min()! < 0.03 && fractions.max()! > 0.3, "the whole range is used")
    let perChannel = (1 - erased).sum(axes: [2, 3]).toDoubles()
    #expect(stride(from: 0, to: perChannel.count, by: 2).allSatisfy { perChannel[$0] == perChannel[$0 + 1] })
    // The erased region is one rectangle.
    let picture = erased[zeros.firstIndex { $0 > 0 }!, 0].toDoubles()
    let rows = (0..<32).filter { r in (0..<32).contains { picture[r * 32 + $0] == 0 } }
    let cols = (0..<32).filter { c in (0..<32).contains { picture[$0 * 32 + c] == 0 } }
    #expect(Double(rows.count * cols.count) == 1024 - picture.reduce(0, +))
    // Random fill is noise; p = 0 changes nothing; a fixed seed repeats.
    let noisy = RandomErasing(p: 1, value: .random)(Tensor.ones([50, 1, 16, 16]), generator: Generator(seed: 9))
    #expect(noisy.min().item() < 0)
    #expect(RandomErasing(p: 0)(ones, generator: Generator(seed: 8)).toDoubles() == ones.toDoubles())
    #expect(RandomErasing()(ones, generator: Generator(seed: 8)).toDoubles() == erased.toDoubles())
  }

  @Test func randomErasingLeavesAnImageWhenNothingFits() {
    // A 1×1 image has no rectangle strictly smaller than itself.
    let tiny = RandomErasing(p: 1)(Tensor.ones([10, 1, 1, 1]), generator: Generator(seed: 10))
    #expect(tiny.toDoubles() == [Double](repeating: 1, count: 10))
    let window = RandomErasing(scale: 0.5...0.5, ratio: 1...1).window(imageHeight: 10, imageWidth: 10, draws: UniformDraws(Generator(seed: 1)))
    #expect(window?.height == 7 && window?.width == 7)   // √50 = 7.07 rounds to 7
  }
}

@Suite("Augmentation: MixUp and CutMix") struct BatchMixingTests {
  let labels = Tensor([0, 1, 2, 3])

  @Test func mixUpBlendsImagesAndTargetsWithOneLambda() {
    let images = numberedImages(4, 1, 3, 3)
    let mixed = MixUp(alpha: 0.4, classes: 5)(images, labels: labels, generator: Generator(seed: 1))
    let l = mixed.lambda
    #expect(mixed.partners == [3, 0, 1, 2])
    let expected = (0..<4).flatMap { i in
      zip(images[i].toDoubles(), images[mixed.partners[i]].toDoubles()).map { l * $0 + (1 - l) * $1 }
    }
    #expect(zip(mixed.images.toDoubles(), expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    #expect(mixed.targets.shape == [4, 5])
    let t = mixed.targets.toDoubles()
    #expect(Swift.abs(t[0 * 5 + 0] - l) < 1e-6 && Swift.abs(t[0 * 5 + 3] - (1 - l)) < 1e-6 && t[0 * 5 + 4] == 0)
    #expect(mixed.targets.sum(axis: 1).toDoubles().allSatisfy { Swift.abs($0 - 1) < 1e-6 })
    let again = MixUp(alpha: 0.4, classes: 5)(images, labels: labels, generator: Generator(seed: 1))
    #expect(again.lambda == l && again.images.toDoubles() == mixed.images.toDoubles())
  }

  @Test func lambdaFollowsBetaAlphaAlpha() {
    // Beta(α, α) has mean ½ and variance 1/(4(2α + 1)): 1/12 for α = 1, 1/5.6 for α = 0.2.
    let images = Tensor.zeros([2, 1, 4, 4]), pair = Tensor([0, 1])
    for (alpha, variance) in [(1.0, 1.0 / 12), (0.2, 1.0 / 5.6)] {
      let g = Generator(seed: 11)
      let lambdas = (0..<3000).map { _ in MixUp(alpha: alpha, classes: 2)(images, labels: pair, generator: g).lambda }
      let mean = lambdas.reduce(0, +) / 3000
      let spread = lambdas.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2999
      #expect(lambdas.allSatisfy { (0...1).contains($0) })
      #expect(Swift.abs(mean - 0.5) < 0.02 && Swift.abs(spread - variance) < 0.1 * variance, "α \(alpha): mean \(mean), variance \(spread)")
    }
  }

  @Test func cutMixPastesABoxAndLambdaIsTheAreaKept() {
    let images = numberedImages(4, 2, 8, 10)
    let g = Generator(seed: 12)
    var areas: Set<Int> = []
    for _ in 0..<200 {
      let mixed = CutMix(classes: 4)(images, labels: labels, generator: g)
      let box = mixed.box!
      areas.insert(box.area)
      #expect(box.top >= 0 && box.left >= 0 && box.top + box.height <= 8 && box.left + box.width <= 10)
      // Exactly the pixels inside the box come from the partner, in both channels.
      let out = mixed.images.toDoubles(), src = images.toDoubles()
      var pasted = 0
      for i in 0..<4 {
        for ch in 0..<2 { for y in 0..<8 { for x in 0..<10 {
          let inside = y >= box.top && y < box.top + box.height && x >= box.left && x < box.left + box.width
          let own = src[((i * 2 + ch) * 8 + y) * 10 + x], partner = src[((mixed.partners[i] * 2 + ch) * 8 + y) * 10 + x]
          let value = out[((i * 2 + ch) * 8 + y) * 10 + x]
          #expect(value == (inside ? partner : own))
          if i == 0 && ch == 0 && value != own { pasted += 1 }
        } } }
      }
      // λ is exactly the share of each image's own pixels, and its target weight.
      #expect(mixed.lambda == 1 - Double(pasted) / 80 && Swift.abs(Double(box.area) - (1 - mixed.lambda) * 80) < 1e-9)
      let t = mixed.targets.toDoubles()
      #expect(Swift.abs(t[0] - mixed.lambda) < 1e-6)
      #expect(Swift.abs(t[3] - (1 - mixed.lambda)) < 1e-6)
    }
    #expect(areas.count > 10, "boxes of many sizes")
    #expect(CutMix.box(lambda: 0.75, height: 8, width: 10, centre: (4, 5)) == PixelWindow(top: 2, left: 3, height: 4, width: 4))
    #expect(CutMix.box(lambda: 0, height: 8, width: 10, centre: (0, 9)) == PixelWindow(top: 0, left: 4, height: 4, width: 6))
  }

  @Test func mixesChainOnSoftTargets() {
    let images = numberedImages(4, 1, 4, 4)
    let first = MixUp(classes: 4)(images, labels: labels, generator: Generator(seed: 13))
    let second = CutMix(classes: 4)(first.images, labels: first.targets, generator: Generator(seed: 14))
    #expect(second.targets.sum(axis: 1).toDoubles().allSatisfy { Swift.abs($0 - 1) < 1e-6 })
  }

  @Test func badArgumentsAreNamed() async {
    var result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = MixUp(alpha: 0, classes: 10)
    }
    #expect(childStderr(result).contains("MixUp: alpha must be positive, got 0.0"))
    result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = CutMix(classes: 3)(Tensor.zeros([2, 1, 4, 4]), labels: Tensor([0, 7]), generator: Generator(seed: 1))
    }
    #expect(childStderr(result).contains("CutMix: label 7 is outside 0..<3"))
    result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = RandomErasing(p: 1.5)
    }
    #expect(childStderr(result).contains("RandomErasing: p must lie in [0, 1], got 1.5"))
    result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = RandomResizedCrop(size: 8, scale: 0...1)
    }
    #expect(childStderr(result).contains("RandomResizedCrop: scale 0.0...1.0"))
    result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = ColorJitter(brightness: -1)
    }
    #expect(childStderr(result).contains("ColorJitter: brightness must be a non-negative number, got -1.0"))
    result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = GaussianNoise(std: 0.1)(Tensor.zeros([4, 4]), generator: Generator(seed: 1))
    }
    #expect(childStderr(result).contains("GaussianNoise: expected images [N, C, H, W], got shape [4, 4]"))
  }
}

func expectSame(_ a: Tensor, _ b: Tensor, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(a.shape == b.shape && zip(a.toDoubles(), b.toDoubles()).allSatisfy { Swift.abs($0 - $1) <= tolerance },
          "\(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
}
