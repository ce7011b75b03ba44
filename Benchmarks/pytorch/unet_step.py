#!/usr/bin/env python3
"""One training step of chapter 13's class-conditional U-Net, in PyTorch on the CPU.

The same network as Torchlight's DiffusionUNet (channels 32/64, GroupNorm 8, SiLU, residual
blocks at 14x14 and 7x7 and one at 28x28 on the way up, one self-attention block at 7x7,
sinusoidal step embedding through a two-layer MLP plus a label embedding), the same step (x_t
from the closed form, the simplified loss, AdamW), batch 64.
Prints `RESULT name=unet_step ms_per_step_min=... sec_per_epoch_min=...` (an epoch: 937 steps).
"""
import math
from common import options, start_torch, result, clock


def build(torch, c=32, classes=10):
    nn, F = torch.nn, torch.nn.functional

    def embedding(t, dim):
        half = dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        angles = t[:, None] * freqs[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=1)

    class Block(nn.Module):
        def __init__(self, cin, cout, e):
            super().__init__()
            self.norm1, self.conv1 = nn.GroupNorm(min(8, cin), cin), nn.Conv2d(cin, cout, 3, padding=1)
            self.proj = nn.Linear(e, cout)
            self.norm2, self.conv2 = nn.GroupNorm(min(8, cout), cout), nn.Conv2d(cout, cout, 3, padding=1)
            self.skip = None if cin == cout else nn.Conv2d(cin, cout, 1)

        def forward(self, x, e):
            h = self.conv1(F.silu(self.norm1(x))) + self.proj(F.silu(e))[:, :, None, None]
            return self.conv2(F.silu(self.norm2(h))) + (x if self.skip is None else self.skip(x))

    class Attention(nn.Module):
        def __init__(self, ch):
            super().__init__()
            self.norm, self.attn = nn.GroupNorm(8, ch), nn.MultiheadAttention(ch, 1, batch_first=True)

        def forward(self, x):
            n, ch, h, w = x.shape
            tokens = self.norm(x).reshape(n, ch, h * w).transpose(1, 2)
            out, _ = self.attn(tokens, tokens, tokens, need_weights=False)
            return x + out.transpose(1, 2).reshape(n, ch, h, w)

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            e = 4 * c
            self.time = nn.Sequential(nn.Linear(c, e), nn.SiLU(), nn.Linear(e, e))
            self.label = nn.Embedding(classes + 1, e)
            self.inp = nn.Conv2d(1, c, 3, padding=1)
            self.down1, self.block1 = nn.Conv2d(c, c, 3, stride=2, padding=1), Block(c, c, e)
            self.down2, self.block2 = nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), Block(2 * c, 2 * c, e)
            self.attn, self.mid = Attention(2 * c), Block(2 * c, 2 * c, e)
            self.up_block2, self.up2 = Block(4 * c, 2 * c, e), nn.Conv2d(2 * c, c, 3, padding=1)
            self.up_block1, self.up_block0 = Block(2 * c, c, e), Block(2 * c, c, e)
            self.out_norm, self.out = nn.GroupNorm(8, c), nn.Conv2d(c, 1, 3, padding=1)

        def forward(self, x, t, y):
            e = self.time(embedding(t, c)) + self.label(y)
            h0 = self.inp(x)
            h1 = self.block1(self.down1(h0), e)
            h = self.block2(self.down2(h1), e)
            h2 = h
            h = self.mid(self.attn(h), e)
            h = self.up_block2(torch.cat([h, h2], 1), e)
            h = self.up2(F.interpolate(h, scale_factor=2))
            h = self.up_block1(torch.cat([h, h1], 1), e)
            h = self.up_block0(torch.cat([F.interpolate(h, scale_factor=2), h0], 1), e)
            return self.out(F.silu(self.out_norm(h)))

    return UNet()


def main():
    args = options(steps=10)
    torch = start_torch(args.threads, args.seed)
    batch, steps_per_epoch = 64, 60000 // 64
    model = build(torch)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0)
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    alpha_bars = torch.cumprod(1 - betas, 0).float()
    x0 = torch.rand(batch, 1, 28, 28) * 2 - 1
    labels = torch.randint(0, 11, (batch,))

    def step():
        t = torch.randint(0, 1000, (batch,))
        noise = torch.randn_like(x0)
        a = alpha_bars[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        loss = torch.nn.functional.mse_loss(model(xt, t.float(), labels), noise)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(2):
        step()
    best = math.inf
    for _ in range(2):
        start = clock()
        for _ in range(args.steps):
            step()
        best = min(best, (clock() - start) / args.steps)
    result("unet_step", threads=args.threads, ms_per_step_min=best * 1e3, sec_per_epoch_min=best * steps_per_epoch,
           parameters=sum(p.numel() for p in model.parameters()))


if __name__ == "__main__":
    main()
