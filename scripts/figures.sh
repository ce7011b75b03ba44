#!/usr/bin/env bash
# Regenerates the figures committed under docs/figures/ from real release runs of the chapters.
# Each chapter writes into out/<chapter>/; its PNGs are copied as docs/figures/<chapter>-<name>.png.
# All chapters take over an hour on one thread; name some to refresh only those
# (attention-gpt is chapter 11's `--part gpt`, which the chapter's default run leaves out):
#   bash scripts/figures.sh cnn normalization      (or: make figures CHAPTERS="cnn normalization")
set -euo pipefail
cd "$(dirname "$0")/.."
all=(autograd linear-regression softmax-regression mlp optimizers cnn normalization modern-cnn rnn attention attention-gpt gan diffusion)
chapters=("${@:-${all[@]}}")
for chapter in "${chapters[@]}"; do
  [[ " ${all[*]} " == *" $chapter "* ]] || { echo "figures.sh: no chapter '$chapter'; choose from: ${all[*]}" >&2; exit 2; }
done
swift build -c release
mkdir -p docs/figures
for chapter in "${chapters[@]}"; do
  echo "== $chapter"
  binary="$chapter" extra=()
  if [ "$chapter" = attention-gpt ]; then binary=attention extra=(--part gpt); fi
  rm -rf "out/$chapter"
  ".build/release/$binary" "${extra[@]}" --output "out/$chapter" --seed 0 --threads 1 | tee "out/$chapter.log"
  for png in "out/$chapter"/*.png; do
    [ -e "$png" ] || continue
    cp "$png" "docs/figures/$binary-$(basename "$png")"
  done
done
echo "figures refreshed in docs/figures/"
