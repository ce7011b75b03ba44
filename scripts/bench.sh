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
swift build -c release --product mlp >/dev/null
swift build -c release --product cnn >/dev/null
swift build -c release --product normalization >/dev/null
micro=$(mktemp)
trap 'rm -f "$micro"' EXIT
.build/release/torchlight-bench | tee "$micro"

field() { tr ' ' '\n' | grep "^$1=" | head -1 | cut -d= -f2; }

# compare NAME PEER_SCRIPT THREADS MODEL CHAPTER_COMMAND...: one chapter's seconds per epoch (its
# RESULT line for MODEL) beside PyTorch's on the same work, run back to back.
compare() {
  local name=$1 peer=$2 threads=$3 model=$4; shift 4
  local ours torch ratio
  ours=$("$@" --epochs "$EPOCHS" --threads "$threads" | grep '^RESULT' | grep "model=$model " | field sec_per_epoch)
  if [ -x "$PY" ] && [ -f "$PEERS/$peer" ]; then
    torch=$( (cd "$PEERS" && "$PY" "$peer" --threads "$threads" --epochs "$EPOCHS") | grep '^RESULT' | field sec_per_epoch_min)
    ratio=$(python3 -c "print(f'{$ours / $torch:.2f}')")
    echo "BENCH name=$name threads=$threads sec_per_epoch=$ours pytorch_sec_per_epoch=$torch ratio=$ratio"
  else
    echo "BENCH name=$name threads=$threads sec_per_epoch=$ours (no PyTorch reference: run bash $PEERS/setup_venv.sh)"
  fi
}

for threads in 1 2; do
  compare softmax_regression_epoch softmax.py "$threads" concise .build/release/softmax-regression --output out/bench-softmax
  compare mlp_epoch mlp.py "$threads" concise .build/release/mlp --model concise --output out/bench-mlp
  compare lenet_epoch lenet_sgd.py "$threads" lenet .build/release/cnn --model lenet --output out/bench-lenet
  compare lenet_bn_epoch lenet_bn.py "$threads" bn-lenet .build/release/normalization --only bn-lenet --batch-size 256 --lr 1 --output out/bench-bn-lenet
done

# The char-level LSTM language model (tokens/s, from the torchlight-bench run above) beside
# lstm_charlm.py; the ratio is still time over time (PyTorch's tokens/s over ours).
for threads in 1 2; do
  ours=$(grep "^BENCH name=lstm_charlm " "$micro" | grep " threads=$threads " | field tokens_per_sec || true)
  [ -n "$ours" ] || continue
  torch=""
  if [ -x "$PY" ] && [ -f "$PEERS/lstm_charlm.py" ]; then
    torch=$( (cd "$PEERS" && "$PY" lstm_charlm.py --threads "$threads") 2>/dev/null | grep '^RESULT' | field tokens_per_sec_max || true)
  fi
  if [ -n "$torch" ]; then
    ratio=$(python3 -c "print(f'{$torch / $ours:.2f}')")
    echo "BENCH name=lstm_charlm_tokens threads=$threads tokens_per_sec=$ours pytorch_tokens_per_sec=$torch ratio=$ratio"
  else
    echo "BENCH name=lstm_charlm_tokens threads=$threads tokens_per_sec=$ours (no PyTorch reference: run bash $PEERS/setup_venv.sh; it reads text from Debian's fortunes or PEERS_TEXT)"
  fi
done
