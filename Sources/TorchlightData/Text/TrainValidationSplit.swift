/// Splits a token stream at a fixed point: the last `validationFraction` of it (10% by default,
/// rounded to the nearest token) is held out for validation, the rest trains. Unlike a random
/// split it keeps both parts contiguous text, so no validation sentence was seen in training.
public func trainValidationSplit(_ tokens: [Int], validationFraction: Double = 0.1) -> (train: [Int], validation: [Int]) {
  precondition(validationFraction >= 0 && validationFraction <= 1,
               "trainValidationSplit: validationFraction must lie in [0, 1], got \(validationFraction)")
  let held = Int((Double(tokens.count) * validationFraction).rounded())
  return (Array(tokens.dropLast(held)), Array(tokens.suffix(held)))
}
