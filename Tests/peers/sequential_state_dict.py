"""A state dict saved by PyTorch for an nn.Sequential MLP, for the interoperability test in
Tests/TorchlightNNTests/PyTorchStateDictTests.swift.

    python sequential_state_dict.py MODEL.safetensors IO.safetensors

MODEL gets the state dict of nn.Sequential(Linear(5, 8), ReLU(), Linear(8, 8), Tanh(),
Linear(8, 3)) in float64 exactly as PyTorch names it ("0.weight", "0.bias", "2.weight", ...);
IO gets an input batch "input" [4, 5] and the model's "output" [4, 3]. Seeded, so every run
writes the same numbers.
"""
import sys

import torch
import torch.nn as nn

from attention_reference import write_safetensors


def main():
    torch.manual_seed(20261130)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    x = torch.randn(4, 5, dtype=torch.float64)
    with torch.no_grad():
        y = model(x)
    write_safetensors(sys.argv[1], dict(model.state_dict()))
    write_safetensors(sys.argv[2], {"input": x, "output": y})
    print(f"torch {torch.__version__}: {', '.join(model.state_dict())}")


if __name__ == "__main__":
    main()
