"""The character GPT of chapter 11 (`attention --part gpt`) in PyTorch (CPU): the reference its
held-out loss and training speed are compared with.

    python gpt_charlm.py --threads 1 --seed 0 [--steps 2000]

The same model, data and recipe as the chapter: the whole text of The Adventures of Sherlock
Holmes as characters (vocabulary sorted by code point), its last 10% held out; a GPT with 4
pre-norm blocks, 4 heads, embedding 128, a position table of 64, tied input and output
embeddings, biases, exact GELU, no dropout, weights N(0, 0.02^2) with the two residual
projections of each block at 0.02/sqrt(2 * layers); batches of 12 random windows of 64
characters; AdamW (beta2 0.99, weight decay 0.1 on matrices only) with 100 warm-up steps and a
cosine from 1e-3 to 1e-4 at the last step; gradient norm clipped at 1. The held-out loss is the
mean cross-entropy over the held-out text cut into consecutive windows of 64 characters.
Reports training tokens per second (evaluation excluded).
"""
import math, time
from common import busy_others, options, result, sherlock_book, start_torch

args = options(steps=2000, more=lambda p: (
    p.add_argument("--eval-interval", type=int, default=200),
    p.add_argument("--block-size", type=int, default=64),
    p.add_argument("--batch-size", type=int, default=12),
    p.add_argument("--layers", type=int, default=4),
    p.add_argument("--heads", type=int, default=4),
    p.add_argument("--embedding", type=int, default=128),
    p.add_argument("--lr", type=float, default=1e-3),
    p.add_argument("--min-lr", type=float, default=1e-4),
    p.add_argument("--warmup", type=int, default=100)))
torch = start_torch(args.threads, args.seed)
nn, F = torch.nn, torch.nn.functional

text = sherlock_book()
chars = sorted(set(text))
V, T, B, L, H, E = len(chars), args.block_size, args.batch_size, args.layers, args.heads, args.embedding
lookup = {c: i for i, c in enumerate(chars)}
tokens = torch.tensor([lookup[c] for c in text], dtype=torch.long)
held = int(len(tokens) * 0.1 + 0.5)
train, held_out = tokens[:len(tokens) - held], tokens[len(tokens) - held:]


class SelfAttention(nn.Module):
    """Causal multi-head self-attention: one linear layer for q, k, v, one for the output."""
    def __init__(self):
        super().__init__()
        self.qkv, self.out = nn.Linear(E, 3 * E), nn.Linear(E, E)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = (z.view(b, t, H, E // H).transpose(1, 2) for z in self.qkv(x).split(E, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(b, t, E))


class Block(nn.Module):
    """x + attention(norm(x)), then + MLP(norm(x)) with a 4E GELU hidden layer."""
    def __init__(self):
        super().__init__()
        self.norm1, self.attention, self.norm2 = nn.LayerNorm(E), SelfAttention(), nn.LayerNorm(E)
        self.widen, self.narrow = nn.Linear(E, 4 * E), nn.Linear(4 * E, E)

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        return x + self.narrow(F.gelu(self.widen(self.norm2(x))))


class CharGPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens, self.positions = nn.Embedding(V, E), nn.Embedding(T, E)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.norm = nn.LayerNorm(E)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                residual = name.endswith("attention.out.weight") or name.endswith("narrow.weight")
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * L) if residual else 0.02)
            elif not name.startswith("norm") and ".norm" not in name:
                nn.init.zeros_(p)

    def forward(self, x):
        h = self.tokens(x) + self.positions(torch.arange(x.shape[1]))
        for block in self.blocks:
            h = block(h)
        return self.norm(h) @ self.tokens.weight.T  # the output layer is the token embedding


def lr_at(step):  # step counts from 0
    if step < args.warmup:
        return args.lr * (step + 1) / (args.warmup + 1)
    if step > args.steps:
        return args.min_lr
    cosine = 0.5 * (1 + math.cos(math.pi * (step - args.warmup) / (args.steps - args.warmup)))
    return args.min_lr + cosine * (args.lr - args.min_lr)


@torch.no_grad()
def held_out_loss(model):
    model.eval()
    n = (len(held_out) - 1) // T
    xs, ys = held_out[:n * T].view(n, T), held_out[1:n * T + 1].view(n, T)
    total = sum(F.cross_entropy(model(xs[i:i + 64]).reshape(-1, V), ys[i:i + 64].reshape(-1), reduction="sum").item()
                for i in range(0, n, 64))
    model.train()
    return total / (n * T)


model = CharGPT()
params = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
                               {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                              lr=args.lr, betas=(0.9, 0.99))
print(f"# {len(tokens)} characters, vocabulary {V}, {sum(p.numel() for p in params)} parameters", flush=True)
losses, train_seconds, others = [], 0.0, []
val = held_out_loss(model)
print(f"# step 0: held-out loss {val:.4f}", flush=True)
t0, stop_others = time.perf_counter(), busy_others()
for step in range(args.steps):
    for group in optimizer.param_groups:
        group["lr"] = lr_at(step)
    starts = torch.randint(len(train) - T, (B,))
    rows = starts[:, None] + torch.arange(T)[None, :]
    loss = F.cross_entropy(model(train[rows]).reshape(-1, V), train[rows + 1].reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    losses.append(loss.item())
    if (step + 1) % args.eval_interval == 0 or step + 1 == args.steps:
        seconds = time.perf_counter() - t0
        train_seconds += seconds
        others.append(stop_others())
        val = held_out_loss(model)
        recent = losses[-args.eval_interval:]
        print(f"# step {step + 1}: train loss {sum(recent) / len(recent):.4f}, held-out loss {val:.4f}, "
              f"{len(recent) * B * T / seconds:.0f} tokens/s, others_cpu {others[-1]:.2f}", flush=True)
        t0, stop_others = time.perf_counter(), busy_others()

result("torch_gpt_charlm", threads=args.threads, seed=args.seed, steps=args.steps, val_loss=f"{val:.4f}",
       train_loss=f"{sum(losses[-args.eval_interval:]) / len(losses[-args.eval_interval:]):.4f}",
       tokens_per_sec=args.steps * B * T / train_seconds, train_sec=train_seconds, others_cpu_max=max(others),
       torch=torch.__version__)
