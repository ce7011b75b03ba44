import Torchlight

/// Tensors from Swift arrays, ranges, constants and random draws; shape, dtype and size.
func sectionMaking() {
  say("A tensor is an n-dimensional array of numbers of one type. From nested Swift arrays:")
  let m = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
  show("Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])", m)
  say("shape \(m.shape), rank \(m.rank), count \(m.count), dtype \(m.dtype) (Swift Doubles become float32, as in PyTorch)")
  show("Tensor.arange(12) (whole numbers give int64)", Tensor.arange(12))
  show("Tensor.zeros([2, 3])", Tensor.zeros([2, 3]))
  show("Tensor.linspace(0, 1, steps: 5)", Tensor.linspace(0, 1, steps: 5))
  show("Tensor.randn([2, 4]) with the chapter's seed", Tensor.randn([2, 4]))
  say("Memory: count × bytes per element. For these 6 elements:")
  for dtype in DType.allCases {
    let t = Tensor.zeros([2, 3], dtype: dtype)
    say("    \(dtype.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(dtype.itemSize) bytes each → \(t.byteCount) bytes")
  }
}
