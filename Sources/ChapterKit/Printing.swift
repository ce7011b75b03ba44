import Foundation

/// Starts a part of a chapter's output: a blank line and `== title`.
public func section(_ title: String) { print("\n== \(title)") }

/// A number as short as it reads: 1, 0.5, 1e-06 (`%g`).
public func formatNumber(_ v: Double) -> String { String(format: "%g", v) }
