import Foundation
import Testing
@testable import Torchlight

/// One rule for the dtype of new tensors, PyTorch's: Swift `Double`s give the default floating
/// dtype, `Float`s float32, integers int64, `Bool`s bool, and an explicit `dtype:` wins; the
/// default is float32 unless a `Tensor.withDefaultDType` scope changes it.
@Suite("Default dtype") struct DefaultDTypeTests {
  struct Stop: Error {}

  @Test func everyWayOfWritingDoublesGivesTheSameDType() {
    #expect(Tensor.defaultDType == .float32)
    #expect(Tensor([1.0, 2.0]).dtype == .float32)
    #expect(Tensor([1.0, 2.0], shape: [2]).dtype == .float32, "with a shape too")
    #expect(Tensor([[1.0], [2.0]]).dtype == .float32 && Tensor(2.5).dtype == .float32)
    #expect(Tensor([Float(1), 2], shape: [2]).dtype == .float32 && Tensor([Float(1), 2]).dtype == .float32)
    #expect(Tensor([1, 2]).dtype == .int64 && Tensor([Int64(1), 2], shape: [2]).dtype == .int64)
    #expect(Tensor([true], shape: [1]).dtype == .bool)
    // An explicit dtype wins, and converts the values.
    let exact = Tensor([0.1, 1e300], shape: [2], dtype: .float64)
    #expect(exact.dtype == .float64 && exact.toArray(Double.self) == [0.1, 1e300])
    #expect(Tensor([0.1], shape: [1]).toArray(Float.self) == [Float(0.1)], "rounded once to float32")
    #expect(Tensor([1.7, -2.7], shape: [2], dtype: .int64).toArray(Int64.self) == [1, -2], "truncated, as torch.tensor does")
  }

  @Test func aScopeChangesEveryCreationThatNamesNoDType() {
    Tensor.withDefaultDType(.float64) {
      #expect(Tensor.defaultDType == .float64)
      let made = [Tensor([1.0, 2.0]), Tensor([1.0, 2.0], shape: [2]), Tensor(2.5), Tensor.zeros([2]), Tensor.ones([2]),
                  Tensor.full([2], 3), Tensor.randn([2]), Tensor.rand([2]), Tensor.uniform([2], low: 0, high: 1),
                  Tensor.normal([2]), Tensor.bernoulli([2], p: 0.5), Tensor.linspace(0, 1, steps: 3), Tensor.eye(2),
                  Tensor.arange(0, 1, step: 0.5), Tensor(zeros: [1])]
      for (i, t) in made.enumerated() { #expect(t.dtype == .float64, "creation \(i)") }
      // What is not a Swift Double keeps its own dtype, and an explicit dtype still wins.
      #expect(Tensor([Float(1)], shape: [1]).dtype == .float32 && Tensor([1, 2]).dtype == .int64)
      #expect(Tensor.arange(5).dtype == .int64 && Tensor.arange(0, 4).dtype == .int64)
      #expect(Tensor.zeros([2], dtype: .float32).dtype == .float32 && Tensor([1.0], dtype: .float32).dtype == .float32)
      // Integers that must become floats become the default floating dtype, as in PyTorch.
      #expect((Tensor([1, 2]) / Tensor([2, 2])).dtype == .float64 && (Tensor([1, 2]) + 0.5).dtype == .float64)
      // Like-functions follow their model tensor, not the default.
      #expect(Tensor.zeros(like: Tensor.ones([2], dtype: .float32)).dtype == .float32)
    }
    #expect(Tensor.zeros([2]).dtype == .float32 && Tensor([1.0], shape: [1]).dtype == .float32)
  }

  @Test func scopesNestAndAreRestoredEvenAfterAThrow() throws {
    Tensor.withDefaultDType(.float64) {
      Tensor.withDefaultDType(.float32) { #expect(Tensor.randn([1]).dtype == .float32) }
      #expect(Tensor.randn([1]).dtype == .float64, "the outer scope again")
    }
    #expect(throws: Stop.self) {
      try Tensor.withDefaultDType(.float64) {
        #expect(Tensor.defaultDType == .float64)
        throw Stop()
      }
    }
    #expect(Tensor.defaultDType == .float32, "restored after the throw")
    let value = Tensor.withDefaultDType(.float64) { Tensor([0.1], shape: [1]).toArray(Double.self)[0] }
    #expect(value == 0.1, "the body's result is returned")
  }

  @Test func theScopeFollowsChildTasksButNotOtherTasks() async {
    let inner = await Tensor.withDefaultDType(.float64) {
      async let child = Tensor.zeros([1]).dtype
      return await child
    }
    #expect(inner == .float64)
    await Tensor.withDefaultDType(.float64) {
      let detached = Task.detached { Tensor.zeros([1]).dtype }
      #expect(await detached.value == .float32, "a detached task starts from the global default")
    }
  }

  @Test func onlyFloatingDTypesCanBeTheDefault() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      Tensor.withDefaultDType(.int64) { _ = Tensor.zeros([1]) }
    }
    #expect(stderrOf(result).contains("Tensor.withDefaultDType: the default dtype must be a floating dtype, not int64"))
  }
}
