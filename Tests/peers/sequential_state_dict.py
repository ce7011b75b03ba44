"""State dicts of an nn.Sequential MLP moved between PyTorch and Torchlight, for the
interoperability tests in Tests/TorchlightNNTests/PyTorchStateDictTests.swift.

    python sequential_state_dict.py MODEL.safetensors IO.safetensors
    python sequential_state_dict.py --read-ours MODEL.safetensors INPUT.safetensors OUTPUT.safetensors

The first form writes the state dict of nn.Sequential(Linear(5, 8), ReLU(), Linear(8, 8), Tanh(),
Linear(8, 3)) in float64 exactly as PyTorch names it ("0.weight", "0.bias", "2.weight", ...) to
MODEL, and an input batch "input" [4, 5] with the model's "output" [4, 3] to IO. Seeded, so every
run writes the same numbers.

The second form reads a checkpoint Torchlight wrote for the same network with the `safetensors`
library itself (safe_open and load_file), checks each "sha256:<name>" entry of its metadata
against hashlib, loads it into the PyTorch model (strict), and writes the model's output on
INPUT's "input" to OUTPUT with safetensors' own writer. It prints one line per checksum checked.
"""
import hashlib
import sys

import torch
import torch.nn as nn

from attention_reference import write_safetensors


def mlp():
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def write_reference(model_path, io_path):
    torch.manual_seed(20261130)
    model = mlp()
    x = torch.randn(4, 5, dtype=torch.float64)
    with torch.no_grad():
        y = model(x)
    write_safetensors(model_path, dict(model.state_dict()))
    write_safetensors(io_path, {"input": x, "output": y})
    print(f"torch {torch.__version__}: {', '.join(model.state_dict())}")


def read_ours(model_path, input_path, output_path):
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    with safe_open(model_path, framework="pt") as f:
        metadata = f.metadata() or {}
        for name in f.keys():
            digest = hashlib.sha256(f.get_tensor(name).contiguous().numpy().tobytes()).hexdigest()
            if metadata.get("sha256:" + name) != digest:
                sys.exit(f"{name}: metadata says {metadata.get('sha256:' + name)}, hashlib says {digest}")
            print(f"sha256 ok {name}")
    model = mlp()
    model.load_state_dict(load_file(model_path), strict=True)
    with torch.no_grad():
        y = model(load_file(input_path)["input"])
    save_file({"output": y.contiguous()}, output_path, metadata={"written_by": "safetensors"})


if __name__ == "__main__":
    if sys.argv[1] == "--read-ours":
        read_ours(*sys.argv[2:5])
    else:
        write_reference(*sys.argv[1:3])
