/// The keys and values a GPT has already computed, kept between calls while it generates.
///
/// In causal self-attention the key kⱼ and value vⱼ of position j depend only on tokens 0…j, so
/// they never change once computed. Generating token t+1 needs the query of position t against
/// the keys of positions 0…t: with the earlier keys and values stored here, each new token costs
/// one position's work (its q, k, v and one row of scores) instead of the whole context's.
///
/// One entry per block, each [batch, heads, length, headSize]; `length` positions so far.
public final class KVCache {
  /// Per block: keys and values of every position seen, or nil before the first call.
  var keys: [Tensor?], values: [Tensor?]

  public init(layers: Int) {
    keys = Array(repeating: nil, count: layers)
    values = Array(repeating: nil, count: layers)
  }

  /// Positions stored: the position of the next token fed to the model.
  public var length: Int { length(layer: 0) }

  /// Positions stored for block `layer` (within a forward pass, the blocks before it are
  /// already one step ahead).
  public func length(layer: Int) -> Int { keys[layer]?.shape[2] ?? 0 }

  /// Forgets every position (to start a new context).
  public func reset() {
    keys = keys.map { _ in nil }
    values = values.map { _ in nil }
  }

  /// Appends the new positions' keys and values of `layer` ([B, H, T, D]) and returns all of
  /// them, past then new: [B, H, length + T, D].
  func append(layer: Int, keys k: Tensor, values v: Tensor) -> (keys: Tensor, values: Tensor) {
    let allKeys = keys[layer].map { Tensor.cat([$0, k], axis: 2) } ?? k
    let allValues = values[layer].map { Tensor.cat([$0, v], axis: 2) } ?? v
    keys[layer] = allKeys
    values[layer] = allValues
    return (allKeys, allValues)
  }
}
