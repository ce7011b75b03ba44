import Torchlight

/// Element types, how mixed operands are promoted, and conversions.
func sectionDTypes() {
  let ints = Tensor([1, 2, 3])
  let floats = Tensor([0.5, 0.5, 0.5])
  say("ints: \(ints.dtype), floats: \(floats.dtype)")
  show("ints + floats (int64 + float32 computes in float32)", ints + floats)
  show("ints / Tensor([2, 2, 2]) (division always gives a float)", ints / Tensor([2, 2, 2]))
  show("floats.to(.float64)", floats.to(.float64))
  show("Tensor([1.7, -1.7]).to(.int64) (truncates toward zero)", Tensor([1.7, -1.7]).to(.int64))
  show("ints .> 1 (comparisons give bool masks)", ints .> 1)
  say("Memory of 1,000 elements:")
  for dtype in DType.allCases {
    say("    \(dtype.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(Tensor.zeros([1000], dtype: dtype).byteCount) bytes")
  }
}
