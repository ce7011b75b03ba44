#!/usr/bin/env bash
# `make bench`: Torchlight's speed, each figure beside a reference measured in the same run.
#  1. micro-benchmarks (matmul against OpenBLAS called directly, elementwise ops against plain
#     loops, autograd overhead, data-loader prefetching);
#  2. the chapters against the same work in PyTorch (CPU, Benchmarks/pytorch/), run back to back
#     with the same thread count, when PyTorch is set up (`make bench PYTORCH=1` sets it up once,
#     in .venv-pytorch; PYTORCH_PYTHON=/path/to/python uses another).
# Lines start with BENCH; ratios below 1 mean Torchlight took less time.
set -euo pipefail
cd "$(dirname "$0")/.."
export EPOCHS=${EPOCHS:-3}
if [ "${PYTORCH:-}" = 1 ] && [ -z "${PYTORCH_PYTHON:-}" ] && [ ! -x .venv-pytorch/bin/python ]; then
  bash scripts/pytorch_venv.sh
fi

swift build -c release --product torchlight-bench >/dev/null
swift build -c release --product softmax-regression >/dev/null
swift build -c release --product mlp >/dev/null
swift build -c release --product cnn >/dev/null
swift build -c release --product normalization >/dev/null
awk -F': ' '/^model name/ && !m {m=$2} /^cpu family/ && !f {f=$2} /^model\t/ && !n {n=$2}
  END {print "# cpu: " m " (family " f ", model " n ")"}' /proc/cpuinfo
.build/release/torchlight-bench --skip-compared

# Each chapter against the same work in PyTorch, back to back with the same thread count; the line
# also names PyTorch's version, threads and MKL/oneDNN use, how busy the machine was during each
# run, and the BLAS core (Benchmarks/peer_compare.py).
compare() { python3 Benchmarks/peer_compare.py "$@"; }

for threads in 1 2; do
  compare softmax_regression_epoch "classifier.py --model softmax" "$threads" concise -- .build/release/softmax-regression --output out/bench-softmax
  compare mlp_epoch "classifier.py --model mlp" "$threads" concise -- .build/release/mlp --model concise --output out/bench-mlp
  compare lenet_epoch "classifier.py --model lenet" "$threads" lenet -- .build/release/cnn --model lenet --output out/bench-lenet
  compare lenet_bn_epoch "classifier.py --model lenet-bn" "$threads" bn-lenet -- .build/release/normalization --only bn-lenet --batch-size 256 --lr 1 --output out/bench-bn-lenet
  compare lstm_charlm "charlm.py --cell lstm" "$threads" lstm_charlm -- .build/release/torchlight-bench --only lstm-charlm
  compare gru_charlm "charlm.py --cell gru" "$threads" gru_charlm -- .build/release/torchlight-bench --only gru-charlm
  compare transformer_charlm "transformer_charlm.py" "$threads" transformer_charlm -- .build/release/torchlight-bench --only transformer-charlm
  compare dcgan_step "dcgan_step.py" "$threads" dcgan_step -- .build/release/torchlight-bench --only dcgan-step
  compare vit "vit.py" "$threads" vit -- .build/release/torchlight-bench --only vit
  compare unet_step "unet_step.py" "$threads" unet_step -- .build/release/torchlight-bench --only unet-step
done
