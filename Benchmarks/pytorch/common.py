"""What every PyTorch reference script here shares: options, threads, data, timing, RESULT lines.

The scripts do the same work as a Torchlight chapter, in PyTorch on the CPU, so `make bench` can
put the two side by side in one run. Nothing here imports torch at module load: the thread
variables must be set before torch starts its thread pools.
"""
import argparse, gzip, math, os, re, struct, time

FASHION_MNIST = os.environ.get("TORCHLIGHT_DATA", "/usr/share/datasets/fashion-mnist")
SHERLOCK = "/usr/share/gocode/src/github.com/bkaradzic/go-lz4/testdata/pg1661.txt"


def options(epochs=10, steps=500, more=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--seed", type=int, default=0)
    if more:
        more(parser)
    return parser.parse_args()


def clock():
    """Now, in seconds: wall time, or with BENCH_CLOCK=cpu this process's CPU time (as
    torchlight-bench does), for one-thread comparisons while other programs keep the machine busy."""
    return time.process_time() if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter()


def start_torch(threads, seed):
    """Imports torch with `threads` threads everywhere (OpenMP, MKL, its own pool) and seeds it."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    return torch


def busy_others():
    """A stopwatch for the rest of the machine: call the returned function to get the share of all
    CPUs that other processes used since (0 = quiet, 0.5 = one of two cores busy elsewhere)."""
    def read():
        with open("/proc/stat") as f:
            j = list(map(int, f.readline().split()[1:9]))
        with open("/proc/self/stat") as f:
            mine = f.read().rsplit(")", 1)[1].split()
        return sum(j), sum(j) - j[3] - j[4], int(mine[11]) + int(mine[12])
    t0, b0, m0 = read()
    def stop():
        t1, b1, m1 = read()
        return max(0.0, (b1 - b0) - (m1 - m0)) / max(1, t1 - t0)
    return stop


def result(name, **fields):
    """One machine-readable line, `RESULT name=... key=value ...`, as the chapters print."""
    def show(v):
        return (f"{v:.4g}" if abs(v) < 1e4 else f"{v:.0f}") if isinstance(v, float) else str(v)
    print(" ".join([f"RESULT name={name}"] + [f"{k}={show(v)}" for k, v in fields.items()]), flush=True)


def idx(path):
    """An IDX file (gzip) as a numpy array: big-endian sizes after a magic whose last byte is the rank."""
    import numpy as np
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    shape = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def fashion_mnist(torch, flat):
    """Train and test images as float32 in [0, 1] ([N, 784] or [N, 1, 28, 28]) and int64 labels."""
    def images(name):
        x = torch.from_numpy(idx(os.path.join(FASHION_MNIST, name)).astype("float32") / 255)
        return x.reshape(len(x), 784) if flat else x.reshape(len(x), 1, 28, 28)
    def labels(name):
        return torch.from_numpy(idx(os.path.join(FASHION_MNIST, name)).astype("int64"))
    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def sherlock_letters(path=None):
    """The Adventures of Sherlock Holmes between Project Gutenberg's START and END lines, with
    d2l's cleanup: every run of non-letters becomes one space, then lower case."""
    text = open(path or os.environ.get("TORCHLIGHT_TEXT", SHERLOCK), encoding="utf-8-sig").read()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("*** START OF"))
    end = next(i for i, l in enumerate(lines) if l.startswith("*** END OF"))
    return re.sub("[^A-Za-z]+", " ", "\n".join(lines[start + 1:end])).lower()


def sherlock_book(path=None):
    """The Adventures of Sherlock Holmes as the chapters read it (TorchlightData's
    ProjectGutenberg.bookText): line ends made LF, the lines between the START and END markers,
    without the producers' first paragraph, Gutenberg's last one, or blank lines at either end."""
    text = open(path or os.environ.get("TORCHLIGHT_TEXT", SHERLOCK), encoding="utf-8-sig").read()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    def marker(line, words):
        return line.startswith("***") and line.lstrip("* ").startswith(words)
    def blank(line):
        return all(c in " \t" for c in line)
    def trimmed(ls):
        while ls and blank(ls[0]):
            ls = ls[1:]
        while ls and blank(ls[-1]):
            ls = ls[:-1]
        return ls
    start = next(i for i, l in enumerate(lines) if marker(l, "START OF"))
    end = next(i for i in range(start + 1, len(lines)) if marker(lines[i], "END OF"))
    book = trimmed(lines[start + 1:end])
    if book and book[0].startswith("Produced by"):
        i = next((i for i, l in enumerate(book) if blank(l)), len(book))
        book = trimmed(book[i:])
    last = max((i + 1 for i, l in enumerate(book) if blank(l)), default=0)
    if last < len(book) and (book[last].startswith("End of the Project Gutenberg") or book[last].startswith("End of Project Gutenberg")):
        book = trimmed(book[:last])
    return "\n".join(book)


class EpochClock:
    """Times the training part of each epoch (evaluation excluded), as the chapters do."""
    def __init__(self):
        self.seconds, self.others = [], []

    def __enter__(self):
        self.t0, self.stop_others = time.perf_counter(), busy_others()
        return self

    def __exit__(self, *exc):
        self.seconds.append(time.perf_counter() - self.t0)
        self.others.append(self.stop_others())


def timed_char_training(torch, model, optimizer, train, starts, window, loss_of, chunk=100):
    """The character benchmarks' training loop: for each row of `starts`, windows of `window`
    characters of `train` (targets shifted by one), `loss_of(model, x, y)`, backward, clipping at
    norm 1, one step. Timed in chunks of `chunk` steps, with the other processes' CPU share in
    each; returns (losses, chunk_seconds, chunk_others)."""
    ahead = torch.arange(window)
    losses, chunk_seconds, chunk_others = [], [], []
    t0, others = time.perf_counter(), busy_others()
    for step in range(len(starts)):
        rows = starts[step][:, None] + ahead[None, :]
        loss = loss_of(model, train[rows], train[rows + 1])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % chunk == 0:
            chunk_seconds.append(time.perf_counter() - t0)
            chunk_others.append(others())
            print(f"# step {step + 1}: {chunk_seconds[-1]:.3f} s per {chunk} steps, train perplexity "
                  f"{math.exp(sum(losses[-chunk:]) / chunk):.3f}, others_cpu {chunk_others[-1]:.2f}", flush=True)
            t0, others = time.perf_counter(), busy_others()
    return losses, chunk_seconds, chunk_others
