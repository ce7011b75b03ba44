import Torchlight
import TorchlightNN
import ChapterKit

/// The two networks of the chapter: chapter 05's MLP and chapter 07's LeNet, as there.
/// Every format's network is made with the same seed, so all four start from the same weights.
typealias Network = TextbookNetwork

extension TextbookNetwork {
  /// Epochs without `--epochs`: chapter 05's 10 for the MLP; 5 for LeNet, whose epochs cost more.
  var defaultEpochs: Int { self == .mlp ? 10 : 5 }
}

/// How a run computes: plain float32, or autocast to a 2-byte format, with or without loss
/// scaling. The parameters are float32 in every case (the optimizer's master weights).
enum TrainingFormat: String, CaseIterable {
  case float32 = "fp32", bfloat16 = "bf16-autocast", float16Scaled = "fp16-autocast-scaler", float16 = "fp16-autocast"

  /// The low format of the autocast scope, nil for float32.
  var autocast: DType? {
    switch self {
    case .float32: nil
    case .bfloat16: .bfloat16
    case .float16Scaled, .float16: .float16
    }
  }

  var usesScaler: Bool { self == .float16Scaled }

  /// `body` inside `withAutocast` for the autocast formats, as it is for float32.
  func run<R>(_ body: () throws -> R) rethrows -> R {
    guard let low = autocast else { return try body() }
    return try withAutocast(low, body)
  }
}

/// Bytes of every layer's output for one example, and how many values they hold: the activations
/// a forward pass keeps for backward (views such as Flatten's output add none). Measured by running the layers one at a time (in the
/// format's autocast scope) and reading each output's dtype.
func activationFootprint(_ net: Sequential, format: TrainingFormat, input: Tensor) -> (bytes: Int, values: Int) {
  withNoGrad {
    format.run {
      var x = input, bytes = 0, values = 0
      for layer in net.layers {
        let y = layer(x)
        defer { x = y }
        if y.storage === x.storage { continue }   // a view (Flatten) holds no new values
        bytes += y.count / input.shape[0] * y.dtype.elementSize
        values += y.count / input.shape[0]
      }
      return (bytes, values)
    }
  }
}
