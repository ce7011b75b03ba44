import Foundation
import Testing
@testable import TorchlightNN

/// The node an edge of the graph leads to, if it leads to one.
private func node(_ edge: Node.Edge) -> Node? {
  if case .node(let n) = edge { return n }
  return nil
}

/// Small integers, so that every product and sum below is exact in float16 and the cached and
/// uncached gradients can be compared bit for bit.
private func integers(_ shape: [Int], seed: Int) -> Tensor {
  let n = shape.reduce(1, *)
  return Tensor((0..<n).map { Double(($0 * 7 + seed) % 5 - 2) }, shape: shape)
}

@Suite struct AutocastCacheTests {
  /// x·w·w under float16 autocast: both products read the same cast of w (one ToCopyBackward
  /// node), and w's gradient is the one of two separate casts made by hand.
  @Test func aWeightUsedTwiceIsCastOnce() {
    let w = integers([3, 3], seed: 81).requiringGrad(), x = integers([2, 3], seed: 82)
    let y = withAutocast(.float16) { x.matmul(w).matmul(w) }
    let outer = y.gradFn!, inner = node(outer.next[0])!
    let castA = node(inner.next[1]), castB = node(outer.next[1])
    #expect(castA != nil && castA === castB, "the two products should share one cast of w")
    #expect(castA?.name == "ToCopyBackward")
    y.sum().backward()
    let cached = w.grad!

    let v = w.detached().requiringGrad()
    let byHand = x.to(.float16).matmul(v.to(.float16)).matmul(v.to(.float16))
    #expect(node(byHand.gradFn!.next[1]) !== node(node(byHand.gradFn!.next[0])!.next[1]))
    byHand.sum().backward()
    #expect(cached.dtype == .float32 && cached.toDoubles() == v.grad!.toDoubles())
    #expect(y.toDoubles() == byHand.toDoubles())
  }

  /// An in-place update of the weight (what an optimizer step does) bumps its version: the next
  /// use casts the new values. A new scope starts with an empty cache.
  @Test func anUpdatedWeightOrANewScopeCastsAgain() {
    let w = integers([3, 3], seed: 83).requiringGrad(), x = integers([2, 3], seed: 84)
    withAutocast(.bfloat16) {
      let before = x.matmul(w)
      withNoGrad { w += 1 }
      let after = x.matmul(w)
      #expect(node(before.gradFn!.next[1]) !== node(after.gradFn!.next[1]))
      #expect(after.toDoubles() == withAutocast(enabled: false) { x.matmul(w) }.toDoubles())
    }
    let first = withAutocast(.bfloat16) { x.matmul(w) }, second = withAutocast(.bfloat16) { x.matmul(w) }
    #expect(node(first.gradFn!.next[1]) !== node(second.gradFn!.next[1]))
  }

  /// Only leaves that require grad are cached, and only while recording: an input, or a weight
  /// used under `withNoGrad`, is cast at each use.
  @Test func onlyParametersAreCachedAndOnlyWithGrad() {
    let w = integers([3, 3], seed: 85).requiringGrad(), x = integers([2, 3], seed: 86).requiringGrad()
    let h = x * 2   // not a leaf
    let y = withAutocast(.float16) { h.matmul(w) + h.matmul(w) }
    let left = node(y.gradFn!.next[0])!, right = node(y.gradFn!.next[1])!
    #expect(node(left.next[0]) !== node(right.next[0]), "a non-leaf input is cast at each use")
    #expect(node(left.next[1]) === node(right.next[1]), "the weight is cast once")
    #expect(withNoGrad { withAutocast(.float16) { x.matmul(w).gradFn } } == nil)
  }

  /// Two forward and backward passes inside one scope (gradient accumulation): the first backward
  /// frees the cast's node, so the second forward casts again, and the gradients add up.
  @Test func backwardInsideTheScopeThenReuse() {
    let w = integers([3, 2], seed: 87).requiringGrad(), x = integers([4, 3], seed: 88)
    withAutocast(.float16) {
      x.matmul(w).sum().backward()
      x.matmul(w).sum().backward()
    }
    let v = w.detached().requiringGrad()
    x.matmul(v).sum().backward()
    #expect(w.grad!.toDoubles() == (v.grad! * 2).toDoubles())
  }
}
