"""A character language model on Sherlock Holmes in PyTorch (CPU): the speed reference for the
recurrent layers (`make bench`).

    python charlm.py --cell lstm|gru|rnn --threads 1 --steps 500

One-hot characters (d2l's cleanup: 26 letters, space, <unk>) -> one recurrent layer of 256 -> a
linear layer to the 28 scores. Each step trains on 32 random subsequences of 35 characters (a
fresh zero state each), with cross-entropy, gradient-norm clipping at 1 and Adam at 1e-2. Reports
training tokens per second, timed over chunks of 100 steps (the fastest chunk), and the held-out
perplexity on the last 10% of the text.
"""
import math, statistics
from common import options, result, sherlock_letters, start_torch, timed_char_training

args = options(steps=500, more=lambda p: (p.add_argument("--cell", default="lstm", choices=["lstm", "gru", "rnn"]),
                                            p.add_argument("--hidden", type=int, default=256)))
torch = start_torch(args.threads, args.seed)
nn, F = torch.nn, torch.nn.functional

vocab = ["<unk>", " "] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
index = {ch: i for i, ch in enumerate(vocab)}
ids = torch.tensor([index.get(ch, 0) for ch in sherlock_letters()], dtype=torch.long)
cut = len(ids) - len(ids) // 10
train, held_out = ids[:cut], ids[cut:]
V, H, T, B = len(vocab), args.hidden, 35, 32


class CharModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[args.cell](V, H)
        self.out = nn.Linear(H, V)

    def forward(self, x):  # x: [B, T] indices -> scores [T, B, V]
        states, _ = self.rnn(F.one_hot(x.T, V).float())
        return self.out(states)


model = CharModel()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
starts = torch.randint(0, len(train) - T - 1, (args.steps, B), generator=torch.Generator().manual_seed(args.seed))
chunk = 100
losses, chunk_seconds, chunk_others = timed_char_training(
    torch, model, optimizer, train, starts, T, lambda m, x, y: F.cross_entropy(m(x).reshape(-1, V), y.T.reshape(-1)), chunk)

model.eval()
with torch.no_grad():
    n = min((len(held_out) - 1) // T, 2000)
    xs, ys = held_out[:n * T].reshape(n, T), held_out[1:n * T + 1].reshape(n, T)
    total = sum(F.cross_entropy(model(xs[i:i + 256]).reshape(-1, V), ys[i:i + 256].T.reshape(-1),
                                reduction="sum").item() for i in range(0, n, 256))
tokens = chunk * B * T
result(f"torch_{args.cell}_charlm", threads=args.threads, steps=args.steps, hidden=H,
       tokens_per_sec_max=tokens / min(chunk_seconds), tokens_per_sec_median=tokens / statistics.median(chunk_seconds),
       train_perplexity=math.exp(sum(losses[-50:]) / 50), val_perplexity=math.exp(total / (n * T)),
       others_cpu_max=max(chunk_others), torch=torch.__version__)
