#!/usr/bin/env python3
"""Where a step of chapter 13's U-Net goes in PyTorch: each kind of layer at the sizes the network
uses it (batch 64), forward and forward + backward, best of five, one layer at a time
(`BENCH_CLOCK=cpu` times CPU instead of wall time).

The same cases, in the same order and with the same names, as `torchlight-bench --only
unet-profile`; `uses` is how many times the network applies that layer per step, so
`uses * (forward + backward)` summed over the convolutions is most of a step.
Prints `RESULT name=unet_layer layer="..." uses=... forward_ms=... backward_ms=...` lines.
"""
from common import options, start_torch, clock

# (name, in channels, out channels, kernel, stride, input size, uses per step)
CONVS = [
    ("conv 1→32 3×3 at 28×28", 1, 32, 3, 1, 28, 1),
    ("conv 32→32 3×3 stride 2 from 28×28", 32, 32, 3, 2, 28, 1),
    ("conv 32→32 3×3 at 14×14", 32, 32, 3, 1, 14, 3),
    ("conv 32→64 3×3 stride 2 from 14×14", 32, 64, 3, 2, 14, 1),
    ("conv 64→64 3×3 at 7×7", 64, 64, 3, 1, 7, 5),
    ("conv 128→64 3×3 at 7×7", 128, 64, 3, 1, 7, 1),
    ("conv 128→64 1×1 at 7×7", 128, 64, 1, 1, 7, 1),
    ("conv 64→32 3×3 at 14×14", 64, 32, 3, 1, 14, 2),
    ("conv 64→32 1×1 at 14×14", 64, 32, 1, 1, 14, 1),
    ("conv 64→32 3×3 at 28×28", 64, 32, 3, 1, 28, 1),
    ("conv 32→32 3×3 at 28×28", 32, 32, 3, 1, 28, 1),
    ("conv 64→32 1×1 at 28×28", 64, 32, 1, 1, 28, 1),
    ("conv 32→1 3×3 at 28×28", 32, 1, 3, 1, 28, 1),
]


def best(repeats, body):
    times = []
    for _ in range(repeats):
        start = clock()
        body()
        times.append(clock() - start)
    return min(times)


def main():
    args = options()
    torch = start_torch(args.threads, args.seed)
    nn, F = torch.nn, torch.nn.functional
    cases = [(name, nn.Conv2d(ci, co, k, stride=s, padding=k // 2), [64, ci, size, size], uses)
             for name, ci, co, k, s, size, uses in CONVS]
    fused = nn.GroupNorm(8, 64)
    cases += [
        ("groupnorm 8 groups, 32 ch at 14×14", nn.GroupNorm(8, 32), [64, 32, 14, 14], 5),
        ("groupnorm 8 groups, 64 ch at 28×28", nn.GroupNorm(8, 64), [64, 64, 28, 28], 1),
        ("groupnorm + silu fused, 64 ch at 28×28", lambda x: F.silu(fused(x)), [64, 64, 28, 28], 1),
        ("silu, 32 ch at 14×14", nn.SiLU(), [64, 32, 14, 14], 5),
        ("silu, 64 ch at 28×28", nn.SiLU(), [64, 64, 28, 28], 1),
        ("attention, 64 ch at 7×7", None, [64, 64, 7, 7], 1),
    ]
    attention = nn.MultiheadAttention(64, 1, batch_first=True)
    attention_norm = nn.GroupNorm(8, 64)

    def attend(x):   # the same block as unet_step.py's: norm, attention over the 49 positions, residual
        n, c, h, w = x.shape
        s = attention_norm(x).flatten(2).transpose(1, 2)
        return x + attention(s, s, s, need_weights=False)[0].transpose(1, 2).reshape(n, c, h, w)

    for name, layer, shape, uses in cases:
        layer = layer or attend
        x = torch.randn(*shape, requires_grad=True)
        with torch.no_grad():
            gradient = torch.ones_like(layer(x))
        forward = best(5, lambda: torch.no_grad()(layer)(x))
        both = best(5, lambda: layer(x).backward(gradient))
        print(f'RESULT name=unet_layer layer="{name}" threads={args.threads} uses={uses} '
              f'forward_ms={forward * 1e3:.3g} backward_ms={(both - forward) * 1e3:.3g}', flush=True)


if __name__ == "__main__":
    main()
