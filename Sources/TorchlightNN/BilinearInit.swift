extension Init {
  /// The weights that make a transposed convolution upsample bilinearly (d2l's `bilinear_kernel`,
  /// the FCN paper's initialisation): channel c maps to channel c alone, through the tent
  ///
  ///     w[u, v] = (1 − |u − centre|/f) · (1 − |v − centre|/f),  f = ⌈k/2⌉,
  ///     centre = f − 1 for odd k, f − ½ for even k,
  ///
  /// and every other pair of channels gets 0. With kernel 2s, stride s and padding s/2, the
  /// transposed convolution then spreads each input pixel over its neighbourhood with exactly
  /// the weights of bilinear interpolation (`interpolate(mode: .bilinear)`, corners not aligned),
  /// away from the border. `weight` is `ConvTranspose2d`'s `[in, out, k, k]`; in and out must agree.
  @discardableResult
  public static func bilinear(_ weight: Tensor) -> Tensor {
    requireFloat(weight, "bilinear")
    precondition(weight.rank == 4 && weight.shape[0] == weight.shape[1] && weight.shape[2] == weight.shape[3],
                 "Init.bilinear: expected a square kernel with as many output as input channels [C, C, k, k], got \(weight.shape)")
    let c = weight.shape[0], k = weight.shape[2]
    let f = Double((k + 1) / 2), centre = k % 2 == 1 ? f - 1 : f - 0.5
    let tent = (0..<k).map { 1 - Swift.abs(Double($0) - centre) / f }
    var values = [Double](repeating: 0, count: c * c * k * k)
    for channel in 0..<c {
      for u in 0..<k { for v in 0..<k { values[((channel * c + channel) * k + u) * k + v] = tent[u] * tent[v] } }
    }
    return overwrite(weight, with: Tensor(values, shape: weight.shape, dtype: weight.dtype))
  }
}
