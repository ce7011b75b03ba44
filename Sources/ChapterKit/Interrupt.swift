import Foundation
import Synchronization

/// Ctrl-C during training, caught so that the step under way can finish and a checkpoint be
/// written. The signal handler only sets a flag (an atomic store is safe inside a handler; almost
/// nothing else is): the training loop looks at the flag after each optimizer step. The kernel
/// puts the default action back as it calls the handler (`SA_RESETHAND`), so a second Ctrl-C
/// stops the process at once.
enum Interrupt {
  private static let flag = Atomic<Bool>(false)
  /// What SIGINT did before `catchCtrlC()` (stop the process, or nothing for a job started in
  /// the background by a script), put back by `restore()`.
  nonisolated(unsafe) private static var previous = sigaction()

  /// Whether Ctrl-C was pressed since `catchCtrlC()`.
  static var requested: Bool { flag.load(ordering: .relaxed) }

  /// Starts catching SIGINT.
  static func catchCtrlC() {
    flag.store(false, ordering: .relaxed)   // also initialises `flag` before the handler can run
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
    action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
    sigemptyset(&action.sa_mask)
    sigaction(SIGINT, &action, &previous)
    // A parent may start us with SIGINT blocked (Foundation's `Process` does): unblock it here.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  /// Gives SIGINT back the action it had before `catchCtrlC()`.
  static func restore() { sigaction(SIGINT, &previous, nil) }
}

/// Training stopped by Ctrl-C after writing a checkpoint; `runAsChapter` prints it and exits
/// with status 130 (128 + SIGINT, what a shell reports for a process stopped by Ctrl-C).
public struct TrainingInterrupted: Error, CustomStringConvertible {
  public let checkpoint: String
  public var description: String {
    "interrupted: the training state is saved in \(checkpoint); run the same command with --resume to continue"
  }
}
