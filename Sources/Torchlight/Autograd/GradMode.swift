/// Whether differentiable ops record themselves. On by default; `withNoGrad` turns it off for a
/// scope (evaluation, optimizer updates), and the setting follows Swift tasks (`@TaskLocal`).
public enum GradMode {
  @TaskLocal static var enabled = true
  @TaskLocal static var anomalyDetection = false

  /// True while ops record the graph.
  public static var isEnabled: Bool { enabled }
  /// True inside `withAnomalyDetection`.
  public static var isAnomalyDetectionEnabled: Bool { anomalyDetection }
}

/// Runs `body` without recording any graph (`with torch.no_grad():`).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$enabled.withValue(false, operation: body)
}

/// Runs `body` with recording on, even inside `withNoGrad` (`with torch.enable_grad():`).
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$enabled.withValue(true, operation: body)
}

/// Runs `body` checking every recorded op's output and every backward gradient for NaN or
/// infinity, stopping with the name of the first op that produced one
/// (`torch.autograd.set_detect_anomaly`). Slow: for debugging.
public func withAnomalyDetection<R>(_ body: () throws -> R) rethrows -> R {
  try GradMode.$anomalyDetection.withValue(true, operation: body)
}
