#!/usr/bin/env bash
# Regenerates the figures committed under docs/figures/ from real release runs of the chapters.
# Each chapter writes into out/<chapter>/; its PNGs are copied as docs/figures/<chapter>-<name>.png.
# All chapters take over an hour on one thread; name some to refresh only those
# (attention-gpt, attention-vit and attention-distill are chapter 11's `--part gpt|vit|distill`,
# which the chapter's default run leaves out, as vision-augmentation is chapter 16's `--part augmentation` and gan-unconditional
# chapter 12's textbook DCGAN without labels, with the rates and epochs of its own recipe (`--part dcgan --no-conditional
# --lr 2e-4 --generator-lr 5e-4 --epochs 3 --cool-down-epochs 0`), whose PNGs are copied as docs/figures/gan-unconditional-<name>.png;
# distill keeps its ResNet teacher in out/attention-distill/ and trains it only when that checkpoint is missing):
#   bash scripts/figures.sh cnn normalization      (or: make figures CHAPTERS="cnn normalization")
set -euo pipefail
cd "$(dirname "$0")/.."
all=(tensors autograd linear-regression softmax-regression mlp optimizers cnn normalization modern-cnn rnn attention attention-gpt attention-vit attention-distill gan gan-unconditional diffusion precision distributed vision vision-augmentation)
chapters=("${@:-${all[@]}}")
for chapter in "${chapters[@]}"; do
  [[ " ${all[*]} " == *" $chapter "* ]] || { echo "figures.sh: no chapter '$chapter'; choose from: ${all[*]}" >&2; exit 2; }
done
swift build -c release
mkdir -p docs/figures out
for chapter in "${chapters[@]}"; do
  echo "== $chapter"
  binary="$chapter" extra=() threads=(--threads 1)
  case "$chapter" in
    attention-gpt | attention-vit | attention-distill) binary=attention extra=(--part "${chapter#attention-}") ;;
    vision-augmentation) binary=vision extra=(--part augmentation) ;;
    gan-unconditional) binary=gan extra=(--part dcgan --no-conditional --lr 2e-4 --generator-lr 5e-4 --epochs 3 --cool-down-epochs 0) threads=() ;;
    tensors) threads=() ;;   # chapter 01 computes nothing worth threading
    vision | gan | diffusion) threads=() ;;    # timed as a learner runs them, on every core (their 20- and 30-minute budgets)
  esac
  prefix="$binary"
  if [ "$chapter" = gan-unconditional ]; then prefix="$chapter"; fi   # beside the default run's figures, not over them
  if [ "$chapter" = distributed ]; then
    # Chapter 15 runs at several world sizes under mpirun: its own script runs them all.
    rm -rf out/distributed
    bash scripts/distributed.sh --output out/distributed --seed 0 | tee out/distributed.log
    for png in out/distributed/*.png; do cp "$png" "docs/figures/distributed-$(basename "$png")"; done
    continue
  fi
  if [ "$chapter" = attention-distill ]; then
    find "out/$chapter" -maxdepth 1 -type f ! -name '*.safetensors' -delete 2>/dev/null || true
  else
    rm -rf "out/$chapter"
  fi
  ".build/release/$binary" "${extra[@]}" --output "out/$chapter" --seed 0 "${threads[@]}" | tee "out/$chapter.log"
  for png in "out/$chapter"/*.png; do
    [ -e "$png" ] || continue
    cp "$png" "docs/figures/$prefix-$(basename "$png")"
  done
done
echo "figures refreshed in docs/figures/"
