import Foundation
import Synchronization

/// Functions that every backward pass calls after each node it runs, on the thread running it.
///
/// Some work must be driven from that thread while backward goes on. Data parallelism over MPI
/// is the case in point: a non-blocking all-reduce started from a gradient hook moves along only
/// while its process is inside an MPI call, and MPI is called from one thread only. A gradient
/// hook runs when a parameter's gradient is complete, which for the first layers of a network
/// is long after the last layers' all-reduce started; calling `MPI_Test` after every node keeps
/// the message moving in between. (PyTorch gets the same effect from a communication thread
/// or a CUDA stream that progress on their own.) Keep the functions short: they run dozens of
/// times per backward pass.
public enum BackwardProgress {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var entries: [(id: Int, body: () -> Void)] = []
  nonisolated(unsafe) private static var lastID = 0
  /// How many functions are registered, read without the lock: most programs register none,
  /// and then each node costs one atomic load.
  private static let registered = Atomic<Int>(0)

  /// Adds `body` to the functions called after every node; returns an id for `remove(_:)`.
  @discardableResult
  public static func add(_ body: @escaping () -> Void) -> Int {
    lock.lock()
    defer { lock.unlock() }
    lastID += 1
    entries.append((lastID, body))
    registered.store(entries.count, ordering: .releasing)
    return lastID
  }

  /// Removes a function added by `add(_:)`.
  public static func remove(_ id: Int) {
    lock.lock()
    defer { lock.unlock() }
    entries.removeAll { $0.id == id }
    registered.store(entries.count, ordering: .releasing)
  }

  /// Calls every function, in the order they were added (the engine, after each node).
  static func poll() {
    guard registered.load(ordering: .acquiring) > 0 else { return }
    lock.lock()
    let current = entries
    lock.unlock()
    for entry in current { entry.body() }
  }
}
