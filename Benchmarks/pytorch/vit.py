"""A Vision Transformer on Fashion-MNIST in PyTorch (CPU): the speed reference for chapter 11's
`--part vit` (`make bench`).

    python vit.py --threads 1 --steps 120

The chapter's default model, written again here: 28x28 images cut into 7x7 patches by a strided
nn.Conv2d (16 tokens of width 64) after a class token, plus learned position embeddings; four
pre-norm nn.TransformerEncoderLayer (4 heads, MLP 128, GELU, no dropout, batch first, LayerNorm
eps 1e-6); a final LayerNorm and Linear(64, 10) on the class token. Each step trains on 128
training images in order (cycling), with cross-entropy and AdamW (lr 2e-3, weight decay 0.05).
Reports training images per second over chunks of 20 steps (the fastest and the median chunk).
"""
import statistics, time
from common import busy_others, fashion_mnist, options, result, start_torch

args = options(steps=120)
torch = start_torch(args.threads, args.seed)
nn, F = torch.nn, torch.nn.functional

P, D, DEPTH, HEADS, MLP, B = 7, 64, 4, 4, 128, 128
N = (28 // P) ** 2


class ViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = nn.Conv2d(1, D, P, stride=P)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, D))
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, N + 1, D))
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(D, HEADS, dim_feedforward=MLP, dropout=0.0, activation="gelu",
                                       layer_norm_eps=1e-6, batch_first=True, norm_first=True)
            for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        self.head = nn.Linear(D, 10)

    def forward(self, x):  # x: [B, 1, 28, 28] -> scores [B, 10]
        patches = self.patch_embed(x).flatten(2).transpose(1, 2)           # [B, N, D]
        z = torch.cat([self.cls_token.expand(len(x), -1, -1), patches], 1) + self.pos_embed
        for block in self.blocks:
            z = block(z)
        return self.head(self.norm(z)[:, 0])


train_x, train_y, _, _ = fashion_mnist(torch, flat=False)
model = ViT()
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
chunk, losses, chunk_seconds, chunk_others = 20, [], [], []
t0, others = time.perf_counter(), busy_others()
for step in range(args.steps):
    start = (step * B) % (len(train_x) - B)
    loss = F.cross_entropy(model(train_x[start:start + B]), train_y[start:start + B])
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if (step + 1) % chunk == 0:
        chunk_seconds.append(time.perf_counter() - t0)
        chunk_others.append(others())
        print(f"# step {step + 1}: {chunk_seconds[-1]:.3f} s per {chunk} steps, loss {sum(losses[-chunk:]) / chunk:.4f}, "
              f"others_cpu {chunk_others[-1]:.2f}", flush=True)
        t0, others = time.perf_counter(), busy_others()

images = chunk * B
result("torch_vit", threads=args.threads, steps=args.steps, patch=P, dim=D, depth=DEPTH,
       params=sum(p.numel() for p in model.parameters()),
       images_per_sec_max=images / min(chunk_seconds), images_per_sec_median=images / statistics.median(chunk_seconds),
       train_loss=sum(losses[-chunk:]) / chunk, others_cpu_max=max(chunk_others), torch=torch.__version__)
