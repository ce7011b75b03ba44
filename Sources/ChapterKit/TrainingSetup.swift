/// What the shared training loop `fit` does beyond forward, backward and step, as the chapter's
/// options ask (`ChapterOptions.apply()` sets `current`): gradient accumulation, a moving average
/// of the weights for evaluation, and checkpoints.
public struct TrainingSetup {
  /// Minibatches per optimizer step (`--accumulate`).
  public var accumulate = 1
  /// Decay of the weights' exponential moving average used for evaluation (`--ema`), or nil.
  public var emaDecay: Double?
  /// Where checkpoints are written and resumed from (`--checkpoint-every`, `--resume`), or nil.
  public var checkpoints: CheckpointStore?
  /// Print a line for every checkpoint written (`--verbose`).
  public var verbose = false

  public init(accumulate: Int = 1, emaDecay: Double? = nil, checkpoints: CheckpointStore? = nil, verbose: Bool = false) {
    self.accumulate = accumulate
    self.emaDecay = emaDecay
    self.checkpoints = checkpoints
    self.verbose = verbose
  }

  /// The set-up of this run, from its options; a plain loop until `apply()` is called.
  nonisolated(unsafe) public static var current = TrainingSetup()
}
