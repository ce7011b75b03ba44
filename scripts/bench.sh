#!/usr/bin/env bash
# `make bench`: Torchlight's speed, each figure beside a reference measured in the same run.
#  1. micro-benchmarks (matmul against OpenBLAS called directly, elementwise ops against plain
#     loops, autograd overhead, data-loader prefetching);
#  2. the chapters against the same work in PyTorch (CPU), run back to back with the same thread
#     count, when the peer environment exists (bash ../shared/bench/peers/setup_venv.sh).
# Lines start with BENCH; ratios below 1 mean Torchlight took less time.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-3}
PEERS=${PEERS_DIR:-../shared/bench/peers}
PY=${PEERS_VENV:-$HOME/.venvs/torchlight-peers}/bin/python

swift build -c release --product torchlight-bench >/dev/null
swift build -c release --product softmax-regression >/dev/null
.build/release/torchlight-bench

field() { tr ' ' '\n' | grep "^$1=" | head -1 | cut -d= -f2; }

for threads in 1 2; do
  ours=$(.build/release/softmax-regression --epochs "$EPOCHS" --threads "$threads" --output "out/bench-softmax" \
         | grep '^RESULT' | grep 'model=concise' | field sec_per_epoch)
  if [ -x "$PY" ] && [ -f "$PEERS/softmax.py" ]; then
    torch=$( (cd "$PEERS" && "$PY" softmax.py --threads "$threads" --epochs "$EPOCHS") | grep '^RESULT' | field sec_per_epoch_min)
    ratio=$(python3 -c "print(f'{$ours / $torch:.2f}')")
    echo "BENCH name=softmax_regression_epoch threads=$threads sec_per_epoch=$ours pytorch_sec_per_epoch=$torch ratio=$ratio"
  else
    echo "BENCH name=softmax_regression_epoch threads=$threads sec_per_epoch=$ours (no PyTorch reference: run bash $PEERS/setup_venv.sh)"
  fi
done
