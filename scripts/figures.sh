#!/usr/bin/env bash
# Regenerates the figures committed under docs/figures/ from real release runs of the chapters.
# Each chapter writes into out/<chapter>/; its PNGs are copied as docs/figures/<chapter>-<name>.png.
set -euo pipefail
cd "$(dirname "$0")/.."
chapters=(autograd linear-regression softmax-regression mlp optimizers cnn normalization modern-cnn)
swift build -c release
mkdir -p docs/figures
for chapter in "${chapters[@]}"; do
  echo "== $chapter"
  rm -rf "out/$chapter"
  ".build/release/$chapter" --output "out/$chapter" --seed 0 --threads 1 | tee "out/$chapter.log"
  for png in "out/$chapter"/*.png; do
    [ -e "$png" ] || continue
    cp "$png" "docs/figures/$chapter-$(basename "$png")"
  done
done
echo "figures refreshed in docs/figures/"
