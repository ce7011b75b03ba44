import Foundation
import TorchlightNN
import TorchlightOptim

/// One piece of what a training loop changes, as a checkpoint keeps it: how to read it out as
/// named tensors and how to put it back. A `TrainingRun` is given them by name:
///
/// ```
/// ["model": .module(net), "optimizer": .optimizer(adam), "noise": .generator(g),
///  "losses": .numbers({ losses }, { losses = $0 })]
/// ```
///
/// `save` must return copies or live views (the store clones them), `load` must check before it
/// changes anything and throw a one-line error when the tensors do not fit.
public struct RunState {
  let save: () -> [(String, Tensor)]
  let load: ([(String, Tensor)]) throws -> Void

  public init(save: @escaping () -> [(String, Tensor)], load: @escaping ([(String, Tensor)]) throws -> Void) {
    self.save = save
    self.load = load
  }

  /// A module's parameters and buffers (its state dict).
  public static func module(_ module: Module) -> RunState {
    RunState(save: { module.stateDict() }, load: { try module.load(stateDict: $0) })
  }

  /// Tensors trained without a module (hand-written parameters), copied back in place.
  public static func parameters(_ tensors: [Tensor]) -> RunState {
    RunState(save: { tensors.enumerated().map { ("\($0.offset)", $0.element.detached()) } }, load: { saved in
      let entries = Dictionary(saved, uniquingKeysWith: { a, _ in a })
      for (i, p) in tensors.enumerated() {
        guard let t = entries["\(i)"], t.shape == p.shape, t.dtype == p.dtype else {
          throw ChapterError("parameter \(i) (\(p.dtype) \(p.shape)) is missing or has another shape")
        }
      }
      withNoGrad { for (i, p) in tensors.enumerated() { p.copy(from: entries["\(i)"]!) } }
    })
  }

  /// An optimizer's buffers, step counts and hyperparameters.
  public static func optimizer(_ optimizer: any Optimizer) -> RunState {
    RunState(save: { optimizer.stateDict() }, load: { try optimizer.load(stateDict: $0) })
  }

  /// A learning-rate scheduler's place.
  public static func scheduler(_ scheduler: LRScheduler) -> RunState {
    RunState(save: { scheduler.stateDict() }, load: { try scheduler.load(stateDict: $0) })
  }

  /// A moving average of weights.
  public static func average(_ average: ExponentialMovingAverage) -> RunState {
    RunState(save: { average.stateDict() }, load: { try average.load(stateDict: $0) })
  }

  /// A generator drawn from during the steps (noise, dropout masks), as it is at the checkpoint.
  /// A generator that draws each epoch's data order at its start belongs in `TrainingRun`'s
  /// `shuffling` instead.
  public static func generator(_ generator: Generator) -> RunState {
    RunState(save: { [("state", generatorWords(generator.state))] },
             load: { generator.state = try readGeneratorWords($0.first { $0.0 == "state" }?.1, name: "state") })
  }

  /// Numbers the loop keeps (losses so far, sums of the epoch under way), as float64: exact.
  /// An optional is kept as NaN for nil (`lastFinite ?? .nan`).
  public static func numbers(_ get: @escaping () -> [Double], _ set: @escaping ([Double]) -> Void) -> RunState {
    RunState(save: { let values = get(); return [("values", Tensor(values, shape: [values.count], dtype: .float64))] },
             load: { set(try values($0)) })
  }

  /// A classifier's finished epochs (training and test loss and accuracy), four float64 columns.
  public static func history(_ get: @escaping () -> [EpochStats], _ set: @escaping ([EpochStats]) -> Void) -> RunState {
    rows({ get().map { [$0.trainLoss, $0.trainAccuracy, $0.testLoss, $0.testAccuracy] } }, { rows in
      set(rows.map { r in
        var e = EpochStats()
        (e.trainLoss, e.trainAccuracy, e.testLoss, e.testAccuracy) = (r[0], r[1], r[2], r[3])
        return e
      })
    })
  }

  /// Rows of numbers of one length (a figure's snapshot after each epoch), as a float64 matrix.
  public static func rows(_ get: @escaping () -> [[Double]], _ set: @escaping ([[Double]]) -> Void) -> RunState {
    RunState(save: {
      let rows = get(), width = rows.first?.count ?? 0
      precondition(rows.allSatisfy { $0.count == width }, "RunState.rows: rows of different lengths")
      return [("rows", Tensor(rows.flatMap { $0 }, shape: [rows.count, width], dtype: .float64))]
    }, load: { saved in
      guard let t = saved.first(where: { $0.0 == "rows" })?.1, t.shape.count == 2 else {
        throw ChapterError("the checkpoint has no valid 'rows' entry")
      }
      let flat = t.toDoubles(), width = t.shape[1]
      set((0..<t.shape[0]).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) })
    })
  }

  /// Tensors the loop carries from step to step (a recurrent network's state), any number of them.
  public static func tensors(_ get: @escaping () -> [Tensor], _ set: @escaping ([Tensor]) -> Void) -> RunState {
    RunState(save: { get().enumerated().map { ("\($0.offset)", $0.element.detached()) } }, load: { saved in
      let entries = Dictionary(saved, uniquingKeysWith: { a, _ in a })
      set((0..<entries.count).map { entries["\($0)"]! })
    })
  }

  /// Lines of text (a sample printed after an epoch), kept as their UTF-8 bytes.
  public static func texts(_ get: @escaping () -> [String], _ set: @escaping ([String]) -> Void) -> RunState {
    RunState(save: { [("utf8", textTensor(get()))] }, load: { saved in
      guard let t = saved.first(where: { $0.0 == "utf8" })?.1 else { throw ChapterError("the checkpoint has no 'utf8' entry") }
      set(decodedTexts(t))
    })
  }

  static func values(_ saved: [(String, Tensor)]) throws -> [Double] {
    guard let t = saved.first(where: { $0.0 == "values" })?.1, t.shape.count == 1 else {
      throw ChapterError("the checkpoint has no valid 'values' entry")
    }
    return t.toDoubles()
  }
}

/// A generator's four words as their int64 bit patterns.
func generatorWords(_ words: [UInt64]) -> Tensor { Tensor(words.map { Int64(bitPattern: $0) }, shape: [words.count]) }

/// `generatorWords` read back, checked: four words, not all zero.
func readGeneratorWords(_ t: Tensor?, name: String) throws -> [UInt64] {
  guard let t, t.count == 4 else { throw ChapterError("the checkpoint has no valid '\(name)' generator state") }
  let words = t.toArray(Int64.self).map { UInt64(bitPattern: $0) }
  guard words.contains(where: { $0 != 0 }) else { throw ChapterError("'\(name)' in the checkpoint is not a generator state") }
  return words
}

/// Lines of text as one int64 tensor of UTF-8 bytes, each line ended by a 0 byte.
func textTensor(_ lines: [String]) -> Tensor {
  let bytes: [Int64] = lines.flatMap { line -> [Int64] in line.utf8.map { Int64($0) } + [0] }
  return Tensor(bytes, shape: [bytes.count])
}

/// `textTensor` read back.
func decodedTexts(_ t: Tensor) -> [String] {
  let bytes = t.toArray(Int64.self).map { UInt8(truncatingIfNeeded: $0) }
  return bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
}
