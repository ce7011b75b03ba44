import Foundation

extension Plotter {
  /// Calls `observer` with the name and path of every PNG that any `Plotter` of this process
  /// draws from now on (`loss`, `out/mlp/loss.png`), right after the file is in place: how
  /// ChapterKit copies a chapter's figures into TensorBoard.
  public static func onDrawn(_ observer: @escaping @Sendable (_ name: String, _ path: String) -> Void) {
    drawnObservers.add(observer)
  }

  static let drawnObservers = DrawnObservers()

  /// The observers, behind a lock: figures may be saved from several threads.
  final class DrawnObservers: @unchecked Sendable {
    private let lock = NSLock()
    private var observers: [@Sendable (String, String) -> Void] = []

    func add(_ observer: @escaping @Sendable (String, String) -> Void) { lock.withLock { observers.append(observer) } }

    func notify(_ name: String, _ path: String) {
      for observer in lock.withLock({ observers }) { observer(name, path) }
    }
  }
}
