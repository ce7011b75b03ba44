/// Flattens every axis after the first (`nn.Flatten`): images `[N, C, H, W]` → `[N, C·H·W]`.
public final class Flatten: Module {
  public override init() {}
  public override func forward(_ x: Tensor) -> Tensor { x.flattened(startAxis: 1) }
}
