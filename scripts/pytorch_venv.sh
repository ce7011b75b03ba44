#!/usr/bin/env bash
# Sets up the Python environment for the PyTorch references of `make bench` (Benchmarks/pytorch/):
# numpy and PyTorch for the CPU, in .venv-pytorch. Run once (`make bench PYTORCH=1` calls it).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-pytorch 2>/dev/null || {
  echo "pytorch_venv: python3 cannot make a virtual environment; install python3-venv (apt-get install python3-venv)" >&2; exit 1; }
.venv-pytorch/bin/pip install -q numpy
# The CPU-only build when pip can find it; else PyPI's default build (larger: it brings CUDA libraries).
.venv-pytorch/bin/pip install -q "torch==2.13.0+cpu" 2>/dev/null || .venv-pytorch/bin/pip install -q torch
.venv-pytorch/bin/python -c 'import torch; print("pytorch_venv: torch", torch.__version__, "ready in .venv-pytorch")'
