import ArgumentParser
import Torchlight
import TorchlightNN

/// The two networks that later chapters train again under new conditions (number formats in
/// chapter 14, several processes in chapter 15): chapter 05's MLP and chapter 07's LeNet, with
/// those chapters' learning rates. Each chapter says in an extension how many epochs it gives them.
public enum TextbookNetwork: String, CaseIterable, Sendable {
  case mlp, lenet

  /// A freshly initialised network, drawn from the global generator after seeding it with `seed`.
  public func make(seed: UInt64) -> Sequential {
    Torchlight.manualSeed(seed)
    return self == .mlp ? textbookMLP() : textbookLeNet()
  }

  /// SGD's learning rate: `mlpRate` (the chapter's `--lr`) for the MLP, chapter 07's 0.9 for LeNet.
  public func learningRate(_ mlpRate: Double) -> Double { self == .mlp ? mlpRate : 0.9 }
}

/// The values of `--network`: both networks, or one of them.
public enum TextbookNetworkChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
  case all, mlp, lenet

  public var networks: [TextbookNetwork] { self == .all ? TextbookNetwork.allCases : [TextbookNetwork(rawValue: rawValue)!] }
}
