/// Matrix products (`torch.matmul`), computed by OpenBLAS.
extension Tensor {
  /// The matrix product with PyTorch's rules for every rank: 1-D·1-D is a dot product; a 1-D
  /// operand is treated as a row (left) or column (right) vector and that axis is dropped after;
  /// with more axes, the last two are the matrices and the leading "batch" axes broadcast.
  public func matmul(_ other: Tensor) -> Tensor {
    if let c = Autocast.inputs(of: .matmul, [self, other]) { return c[0]!.matmul(c[1]!) }
    guard rank >= 1 && other.rank >= 1 else {
      fatalError("matmul: both operands need at least one axis, got shapes \(shape) and \(other.shape)")
    }
    let dtype = DType.promoted(self.dtype, other.dtype)
    guard dtype.isFloatingPoint else {
      fatalError("matmul: expected floating-point operands, got \(self.dtype) \(shape) and \(other.dtype) \(other.shape); convert with .float()")
    }
    let a = rank == 1 ? to(dtype).unsqueezed(axis: 0) : to(dtype)
    let b = other.rank == 1 ? other.to(dtype).unsqueezed(axis: 1) : other.to(dtype)
    guard a.shape[a.rank - 1] == b.shape[b.rank - 2] else {
      fatalError("matmul: shapes \(shape) and \(other.shape) cannot be multiplied (\(a.shape[a.rank - 1]) ≠ \(b.shape[b.rank - 2]))")
    }
    // Half formats: the operands widened to float32, products summed there, the result rounded once.
    let product = switch dtype {
    case .float64: Tensor.batchedGemm(a, b, Double.self)
    case .float16, .bfloat16: Tensor.batchedGemm(a.widened(), b.widened(), Float.self).narrowed(to: dtype)
    default: Tensor.batchedGemm(a, b, Float.self)
    }
    // ∂/∂a = g·bᵀ and ∂/∂b = aᵀ·g, matrix by matrix; broadcast batch axes are summed by the engine.
    var out = product.recorded(a.rank == 2 && b.rank == 2 ? "MmBackward" : "BmmBackward", inputs: [a, b], saving: [a, b]) { g in
      // A batch of matrices times one matrix (a Linear layer on [N, T, F]): b's gradient is one
      // tall product over all the rows, not a product per matrix that the engine then sums.
      let (ga, gb) = b.rank == 2 && a.rank > 2 ? (a.reshaped(-1, a.shape[a.rank - 1]), g.reshaped(-1, g.shape[g.rank - 1])) : (a, g)
      return [a.requiresGrad ? Tensor.gradient(g.matmul(b.transposed()), transposedFor: a, { b.matmul(g.transposed()) }) : nil,
              b.requiresGrad ? Tensor.gradient(ga.transposed().matmul(gb), transposedFor: b, { gb.transposed().matmul(ga) }) : nil]
    }
    if other.rank == 1 { out = out.squeezed(axis: -1) }
    if rank == 1 { out = out.squeezed(axis: other.rank == 1 ? -1 : -2) }
    return out
  }

  /// A matrix gradient laid out like the input it belongs to. For an input that is a transposed
  /// view (a `Linear` weight read as Wᵀ), computing (∂L/∂X)ᵀ directly and transposing the view
  /// gives the gradient W's own row-major layout, so storing it in `.grad` is a plain copy rather
  /// than a strided one. Same values either way.
  static func gradient(_ direct: @autoclosure () -> Tensor, transposedFor input: Tensor, _ transposedProduct: () -> Tensor) -> Tensor {
    let r = input.rank
    let columnMajor = r == 2 && input.strides[r - 2] == 1 && input.strides[r - 1] != 1 && input.shape[r - 1] > 1
    return columnMajor ? transposedProduct().transposed() : direct()
  }

  /// The dot product of two 1-D tensors.
  public func dot(_ other: Tensor) -> Tensor {
    guard rank == 1 && other.rank == 1 else {
      fatalError("dot: expects two 1-D tensors, got shapes \(shape) and \(other.shape)")
    }
    return matmul(other)
  }

  /// a·b for operands of rank ≥ 2 whose batch axes broadcast.
  static func batchedGemm<T: FloatElement>(_ a: Tensor, _ b: Tensor, _: T.Type) -> Tensor {
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
    let batch = Layout.broadcastShapes(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)), op: "matmul")
    // A batch of matrices times one matrix with contiguous rows is one tall product.
    if b.rank == 2 && a.rank > 2, let tall = Layout.viewStrides(shape: a.shape, strides: a.strides, newShape: [a.count / Swift.max(k, 1), k]), k > 0 {
      let flat = a.view(shape: [a.count / k, k], strides: tall, offset: a.offset)
      return batchedGemm(flat, b, T.self).view(batch + [m, n])
    }
    var a = a.expanded(batch + [m, k]), b = b.expanded(batch + [k, n])
    func layout(_ t: Tensor) -> (CBLAS_TRANSPOSE, Int32)? {
      Gemm.blasLayout(rows: t.shape[t.rank - 2], cols: t.shape[t.rank - 1],
                      rowStride: t.strides[t.rank - 2], colStride: t.strides[t.rank - 1])
    }
    if layout(a) == nil { a = a.contiguous() }
    if layout(b) == nil { b = b.contiguous() }
    let la = layout(a)!, lb = layout(b)!
    let out = Tensor(uninitialized: batch + [m, n], dtype: T.dtype)
    let pa = a.base(T.self), pb = b.base(T.self), pc = out.base(T.self)
    let batchStrides = [Array(out.strides.dropLast(2)), Array(a.strides.dropLast(2)), Array(b.strides.dropLast(2))]
    StridedLoop(shape: batch, strides: batchStrides).forEachRun { off, count, st in
      for i in 0..<count {
        Gemm.gemm(pa + off[1] + i * st[1], la, pb + off[2] + i * st[2], lb, pc + off[0] + i * st[0], m: m, n: n, k: k)
      }
    }
    return out
  }
}

import COpenBLAS
