import ArgumentParser

/// The `transform:` of an option that names one case of `E` (`--model resnet`): an unknown name
/// is refused in one line that lists every choice.
public func choice<E: RawRepresentable & CaseIterable & Sendable>(_: E.Type) -> @Sendable (String) throws -> E where E.RawValue == String {
  { text in
    guard let value = E(rawValue: text) else {
      throw ValidationError("choose one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
  }
}
