#!/usr/bin/env python3
"""One Torchlight chapter against the same work in PyTorch, run back to back, honestly reported.

    peer_compare.py NAME "REFERENCE [ARGS]" THREADS MODEL -- CHAPTER_COMMAND...

Runs the chapter (its RESULT line for MODEL gives sec_per_epoch, or tokens_per_sec for language
models, images_per_sec for the ViT), then the PyTorch reference script of Benchmarks/pytorch/ with the same thread count, and
prints one line:

    BENCH name=mlp_epoch threads=1 sec_per_epoch=0.62 pytorch_sec_per_epoch=0.74 ratio=0.84
          pytorch=2.13.0+cpu pytorch_threads=1 mkl=yes onednn=yes others_cpu_ours=0.01
          others_cpu_pytorch=0.02 blas_core=SkylakeX

ratio is always Torchlight's time over PyTorch's for the same work (below 1: Torchlight is
faster). others_cpu_* is the share of the machine's CPU that other processes used during each
run (0 = quiet, 0.5 = one of two cores busy elsewhere). When PyTorch ran more than 30% slower than
the figure the peers' README lists for this machine kind, a `# note:` line says the reference
looks slow, so a flattering ratio is not taken at face value.
"""
import os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCES = os.path.join(HERE, "pytorch")
# PyTorch's figures seen on this kind of machine, when the team's notes are beside the clone.
PEERS_README = os.path.join(HERE, "..", "..", "shared", "bench", "peers", "README.md")
PY = os.environ.get("PYTORCH_PYTHON", os.path.join(HERE, "..", ".venv-pytorch", "bin", "python"))

# The row of the peers' README each reference's figures are listed under.
README_ROWS = {
    "classifier.py --model softmax": "softmax regression",
    "classifier.py --model mlp": "MLP 784-256-10",
    "classifier.py --model lenet": "LeNet, sigmoid, SGD 0.9",
    "classifier.py --model lenet-bn": "BatchNorm LeNet, SGD 1.0",
    "charlm.py --cell lstm": "char LSTM",
    "transformer_charlm.py": "2-layer Transformer",
}


def cpu_jiffies():
    """(all CPUs' busy jiffies, total jiffies) from /proc/stat."""
    with open("/proc/stat") as f:
        v = list(map(int, f.readline().split()[1:9]))
    return sum(v) - v[3] - v[4], sum(v)


def run_measured(cmd, cwd=None, env=None):
    """Runs cmd, returns (stdout, share of the machine other processes used meanwhile)."""
    busy0, total0 = cpu_jiffies()
    before = os.times()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, text=True)
    after = os.times()
    busy1, total1 = cpu_jiffies()
    if proc.returncode != 0:
        sys.exit(f"peer_compare: {' '.join(cmd)} exited with status {proc.returncode}")
    hz = os.sysconf("SC_CLK_TCK")
    mine = ((after.children_user - before.children_user) + (after.children_system - before.children_system)) * hz
    others = max(0.0, (busy1 - busy0) - mine) / max(1, total1 - total0)
    return proc.stdout, others


def result_fields(stdout, model=None):
    """The fields of the first `RESULT` line (a chapter's, for `model`) or `BENCH` line (named `model`)."""
    for line in stdout.splitlines():
        if line.startswith(("RESULT ", "BENCH ")):
            fields = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
            if model is None or model in (fields.get("model"), fields.get("name")):
                return fields
    return None


def torch_info(threads):
    """PyTorch's version, its thread count when asked for `threads`, and MKL/oneDNN use."""
    code = ("import torch; torch.set_num_threads(%d); b = torch.backends; "
            "print(torch.__version__, torch.get_num_threads(), "
            "'yes' if b.mkl.is_available() else 'no', 'yes' if b.mkldnn.is_available() else 'no')" % threads)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run([PY, "-c", code], env=env, stdout=subprocess.PIPE, text=True).stdout.split()
    return dict(zip(["pytorch", "pytorch_threads", "mkl", "onednn"], out))


def listed_figure(peer, threads):
    """The figure the peers' README lists for this work and thread count (seconds or tokens/s)."""
    row = README_ROWS.get(peer)
    try:
        text = open(PEERS_README).read()
    except OSError:
        return None
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if row and cells and cells[0] == row and len(cells) >= 3:
            m = re.match(r"([\d.]+)\s*(k?)", cells[1 if threads == 1 else 2])
            if m:
                return float(m.group(1)) * (1000 if m.group(2) else 1)
    return None


def main():
    if "--" not in sys.argv or len(sys.argv) < 7:
        sys.exit(__doc__.split("\n\n")[1])
    split = sys.argv.index("--")
    name, peer, threads, model = sys.argv[1:5]
    ours_cmd = sys.argv[split + 1:] + ["--threads", threads]
    threads = int(threads)
    epochs = os.environ.get("EPOCHS", "3")
    # Language models report tokens/s and the ViT images/s, not s/epoch.
    unit = "tokens" if peer.startswith(("charlm.py", "transformer_charlm.py")) else "images" if peer.startswith("vit.py") else None
    throughput = unit is not None
    if not throughput and "torchlight-bench" not in ours_cmd[0]:
        ours_cmd += ["--epochs", epochs]

    stdout, ours_others = run_measured(ours_cmd)
    fields = result_fields(stdout, model)
    if fields is None:
        sys.exit(f"peer_compare: {name}: no RESULT line for model={model} from {' '.join(ours_cmd)}")
    core = re.search(r"core=(\S+)", subprocess.run([os.path.join(HERE, "..", ".build", "release", "torchlight-bench"), "--only", "blas-core"],
                                                    stdout=subprocess.PIPE, text=True).stdout or "")
    key = f"{unit}_per_sec" if throughput else "sec_per_epoch"
    ours = float(fields[key])
    line = f"BENCH name={name} threads={threads} {key}={fields[key]}"

    if not os.access(PY, os.X_OK):
        print(line + " (no PyTorch reference: run make bench PYTORCH=1 once to set it up)")
        return
    peer_cmd = [PY] + peer.split() + ["--threads", str(threads)] + ([] if throughput else ["--epochs", epochs])
    peer_out, torch_others = run_measured(peer_cmd, cwd=REFERENCES)
    pf = result_fields(peer_out)
    torch_value = float(pf[f"{unit}_per_sec_max"] if throughput else pf["sec_per_epoch_min"])
    # ratio: Torchlight's time over PyTorch's for the same work.
    ratio = torch_value / ours if throughput else ours / torch_value
    info = torch_info(threads)
    line += (f" pytorch_{key}={torch_value:.4g} ratio={ratio:.2f} pytorch={info.get('pytorch')}"
             f" pytorch_threads={info.get('pytorch_threads')} mkl={info.get('mkl')} onednn={info.get('onednn')}"
             f" others_cpu_ours={ours_others:.2f} others_cpu_pytorch={torch_others:.2f}"
             f" blas_core={core.group(1) if core else 'unknown'}")
    print(line, flush=True)
    listed = listed_figure(peer, threads)
    if listed:
        slow = torch_value < listed / 1.3 if throughput else torch_value > listed * 1.3
        if slow:
            shown = f"{unit}/s" if throughput else "s/epoch"
            print(f"# note: the reference looks slow: PyTorch ran at {torch_value:.4g} {shown} here, "
                  f"the peers' README lists {listed:.4g} {shown} for this machine kind; treat ratio={ratio:.2f} with care")


if __name__ == "__main__":
    main()
