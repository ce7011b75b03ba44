"""A small character Transformer on Sherlock Holmes in PyTorch (CPU): the speed reference for the
fused attention, LayerNorm and GELU kernels (`make bench`).

    python transformer_charlm.py --threads 1 --steps 500

The model of ../shared/bench/peers/transformer_charlm.py, written again here: characters (d2l's
cleanup: 26 letters, space, <unk>) -> a token embedding plus learned positions (d 64) -> two
pre-norm nn.TransformerEncoderLayer (4 heads, feed-forward 256, GELU, no dropout, batch first)
with the causal mask -> a final LayerNorm -> Linear(64, 28). Each step trains on 32 random
windows of 64 characters with cross-entropy, gradient-norm clipping at 1 and Adam at 3e-3.
Reports training tokens per second over chunks of 100 steps (the fastest and the median chunk).
"""
import math, statistics
from common import options, result, sherlock_letters, start_torch, timed_char_training

args = options(steps=500)
torch = start_torch(args.threads, args.seed)
nn, F = torch.nn, torch.nn.functional

vocab = ["<unk>", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
index = {ch: i for i, ch in enumerate(vocab)}
ids = torch.tensor([index.get(ch, 0) for ch in sherlock_letters()], dtype=torch.long)
train = ids[: len(ids) * 95 // 100]
V, D, HEADS, LAYERS, T, B = len(vocab), 64, 4, 2, 64, 32


class CharTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, D)
        self.pos = nn.Parameter(0.02 * torch.randn(1, T, D))
        block = nn.TransformerEncoderLayer(D, HEADS, dim_feedforward=4 * D, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, LAYERS, enable_nested_tensor=False)
        self.ln = nn.LayerNorm(D)
        self.head = nn.Linear(D, V)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(T))

    def forward(self, x):  # x: [B, T] indices -> scores [B, T, V]
        t = x.shape[1]
        h = self.tok(x) + self.pos[:, :t]
        h = self.blocks(h, mask=self.causal[:t, :t], is_causal=True)
        return self.head(self.ln(h))


model = CharTransformer()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
starts = torch.randint(0, len(train) - T - 1, (args.steps, B), generator=torch.Generator().manual_seed(args.seed))
chunk = 100
losses, chunk_seconds, chunk_others = timed_char_training(
    torch, model, optimizer, train, starts, T, lambda m, x, y: F.cross_entropy(m(x).reshape(-1, V), y.reshape(-1)), chunk)

tokens = chunk * B * T
result("torch_transformer_charlm", threads=args.threads, steps=args.steps, d_model=D, layers=LAYERS,
       tokens_per_sec_max=tokens / min(chunk_seconds), tokens_per_sec_median=tokens / statistics.median(chunk_seconds),
       train_perplexity=math.exp(sum(losses[-50:]) / 50), others_cpu_max=max(chunk_others), torch=torch.__version__)
