/// The ways `Conv` can compute a convolution, and the rules that pick one per shape. Every route
/// gives the same numbers up to rounding (the tests compare each with the definition); they
/// differ in how much memory they move and how well OpenBLAS runs the products they hand it.
enum ConvRoute: String, CaseIterable, Sendable {
  /// A kernel as large as the unpadded image: one output pixel, a dense layer's three products
  /// (`ConvWholeImage.swift`).
  case wholeImage = "whole image"
  /// Stride 1 and at most 8 output channels per group: one vectorised loop per kernel tap on
  /// zero-padded planes, no gemm (`ConvDirect.swift`).
  case direct
  /// 3 × 3, stride 1, 16 or more channels on both sides: Winograd's F(2×2, 3×3), 16 gemms on
  /// transformed tiles (`ConvWinograd.swift`).
  case winograd
  /// Stride 1 and 8 or more input channels per group: one gemm per kernel tap that reads the
  /// whole batch, laid on one padded grid, in place (`ConvStacked.swift`).
  case stacked
  /// Stride 1: unfolding on the padded-width grid, one contiguous copy per row of `col`
  /// (`ConvFlat.swift`).
  case flat
  /// 1 × 1, stride 1, no padding: the image is its own unfolded matrix (`ConvUnfolded.swift`).
  case pointwise
  /// Everything else, strided layers above all: im2col + gemm, col2im for the input gradient
  /// (`ConvUnfolded.swift`).
  case unfolded = "im2col"

  /// The route of the forward pass, and of the input gradient (the transposed convolution runs
  /// the same loops the other way): the first rule that fits, in this order.
  init(_ g: ConvGeometry) {
    if Conv.coversImage(g) { self = .wholeImage }
    else if Conv.prefersDirect(g) { self = .direct }
    else if Conv.prefersWinograd(g) { self = .winograd }
    else if Conv.prefersStacked(g) { self = .stacked }
    else if Conv.prefersFlat(g) { self = .flat }
    else if Conv.isPointwise(g) { self = .pointwise }
    else { self = .unfolded }
  }

  /// The weight gradient's route: the forward pass's, except on small planes (fewer than
  /// `smallPlanePixels` output pixels, such as 7 × 7), where Winograd and stacked layers unfold
  /// instead. Those routes compute the weight gradient as one gemm per kernel tap (or tile
  /// position) whose result is only `[o, c]` and whose inner dimension is every output position
  /// of the batch, a shape OpenBLAS runs far below its peak; on a small plane one unfolded gemm
  /// into `[o, c·kh·kw]` is about twice as fast (the U-Net's 64 → 64 layer at 7 × 7, batch 64:
  /// 34 → 17 ms for the backward pass), and Winograd's transforms cost more than they save
  /// (16 tiles cover 64 positions for 49 pixels).
  static func weightGradient(_ g: ConvGeometry) -> ConvRoute {
    let route = ConvRoute(g)
    switch route {
    case .winograd, .stacked: return g.l < smallPlanePixels ? .unfolded : route
    default: return route
    }
  }

  /// Output planes with fewer pixels than this count as small (see `weightGradient`).
  static let smallPlanePixels = 64
}
