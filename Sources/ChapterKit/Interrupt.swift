import Foundation
import Synchronization

/// Ctrl-C during training, caught so that the step under way can finish and a checkpoint be
/// written. The signal handler only sets a flag (an atomic store is safe inside a handler; almost
/// nothing else is): the training loop looks at the flag after each optimizer step. The kernel
/// puts the default action back as it calls the handler (`SA_RESETHAND`), so a second Ctrl-C
/// stops the process at once.
enum Interrupt {
  private static let flag = Atomic<Bool>(false)

  /// Whether Ctrl-C was pressed since `catchCtrlC()`.
  static var requested: Bool { flag.load(ordering: .relaxed) }

  /// Starts catching SIGINT.
  static func catchCtrlC() {
    flag.store(false, ordering: .relaxed)   // also initialises `flag` before the handler can run
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
    action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
    sigemptyset(&action.sa_mask)
    sigaction(SIGINT, &action, nil)
    // A parent may start us with SIGINT blocked (Foundation's `Process` does): unblock it here.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  /// Gives SIGINT its default action back (stop the process).
  static func restoreDefault() { signal(SIGINT, SIG_DFL) }
}

/// Training stopped by Ctrl-C after writing a checkpoint; `runAsChapter` prints it and exits
/// with status 130 (128 + SIGINT, what a shell reports for a process stopped by Ctrl-C).
public struct TrainingInterrupted: Error, CustomStringConvertible {
  public let checkpoint: String
  public var description: String {
    "interrupted: the training state is saved in \(checkpoint); run the same command with --resume to continue"
  }
}
