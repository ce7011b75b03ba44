"""Chapter 10's language-model comparison in PyTorch (CPU): the parity reference for held-out
perplexity.

    python rnn_chapter.py --model rnn|gru|lstm|deep-gru --seed 0 --epochs 70 --threads 1

The recipe is the chapter's (d2l v1.0's hyperparameters): Sherlock Holmes with d2l's cleanup
(26 letters, space, <unk>), the last 10% held out; one-hot input -> nn.RNN/GRU/LSTM with 32
hidden units (two layers for deep-gru) -> a linear layer to the 28 scores; minibatches of
1024 x 32 by sequential partitioning (a fresh random offset each epoch, row r of each batch
continuing row r of the previous one, the state carried and detached between batches);
cross-entropy, gradient-norm clipping at 1, plain SGD (lr 1 for rnn, 4 for gru and lstm, 2 for
deep-gru). Held-out perplexity reads the validation text as 128 contiguous stretches in windows
of 32 with the state carried, exactly as the chapter's `perplexity` does.
"""
import math, time
from common import options, result, sherlock_letters, start_torch

RATES = {"rnn": 1.0, "gru": 4.0, "lstm": 4.0, "deep-gru": 2.0}
args = options(epochs=70, more=lambda p: (p.add_argument("--model", default="rnn", choices=sorted(RATES)),
                                           p.add_argument("--hidden", type=int, default=32)))
torch = start_torch(args.threads, args.seed)
nn, F = torch.nn, torch.nn.functional
BATCH, STEPS = 1024, 32

chars = sherlock_letters()
vocab = sorted(set(chars)) + ["<unk>"]
index = {ch: i for i, ch in enumerate(vocab)}
ids = [index[ch] for ch in chars]
held = round(len(ids) * 0.1)
train, held_out = ids[:len(ids) - held], ids[len(ids) - held:]
V = len(vocab)


class CharModel(nn.Module):
    def __init__(self, kind):
        super().__init__()
        cell = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM, "deep-gru": nn.GRU}[kind]
        self.rnn = cell(V, args.hidden, num_layers=2 if kind == "deep-gru" else 1)
        self.out = nn.Linear(args.hidden, V)

    def forward(self, x, state=None):  # x: [B, T] indices -> scores [B, T, V]
        states, state = self.rnn(F.one_hot(x.T, V).float(), state)
        return self.out(states).transpose(0, 1), state


def detach(state):
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def windows(tokens, offset):
    """The stream cut into subsequences of STEPS tokens starting at `offset`, with targets one ahead."""
    n = (len(tokens) - offset - 1) // STEPS
    t = torch.tensor(tokens, dtype=torch.long)
    x = t[offset:offset + n * STEPS].reshape(n, STEPS)
    y = t[offset + 1:offset + n * STEPS + 1].reshape(n, STEPS)
    return x, y


def held_out_perplexity(model):
    x, y = windows(held_out, 0)
    rows = min(128, len(x))
    per_row = len(x) // rows
    total, state = 0.0, None
    with torch.no_grad():
        for w in range(per_row):
            pick = torch.arange(rows) * per_row + w
            scores, state = model(x[pick], state)
            total += F.cross_entropy(scores.reshape(-1, V), y[pick].reshape(-1)).item()
    return math.exp(total / per_row)


model = CharModel(args.model)
optimizer = torch.optim.SGD(model.parameters(), lr=RATES[args.model])
offsets = torch.Generator().manual_seed(args.seed + 1)
batches = (len(train) - STEPS) // STEPS // BATCH
fastest = float("inf")
for epoch in range(1, args.epochs + 1):
    offset = int(torch.randint(0, STEPS, (1,), generator=offsets))
    x, y = windows(train, offset)
    state, total, t0 = None, 0.0, time.perf_counter()
    for b in range(batches):
        pick = torch.arange(BATCH) * batches + b  # row r reads its own stretch in order
        scores, state = model(x[pick], state)
        loss = F.cross_entropy(scores.reshape(-1, V), y[pick].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        state = detach(state)
        total += loss.item()
    fastest = min(fastest, time.perf_counter() - t0)
    train_ppl = math.exp(total / batches)
    if epoch % 10 == 0 or epoch == args.epochs:
        print(f"# epoch {epoch}: perplexity {train_ppl:.3f}, held-out {held_out_perplexity(model):.3f}", flush=True)
result(f"torch_rnn_chapter_{args.model}", threads=args.threads, seed=args.seed, epochs=args.epochs,
       perplexity=train_ppl, val_perplexity=held_out_perplexity(model),
       tokens_per_sec=batches * BATCH * STEPS / fastest, torch=torch.__version__)
