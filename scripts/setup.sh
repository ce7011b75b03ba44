#!/usr/bin/env bash
# Installs the system packages Torchlight needs, only those that are missing.
# Used by `make run` and `make test`; safe to run again (it does nothing when all is there).
set -euo pipefail

packages=(libopenblas-dev zlib1g-dev gnuplot-nox dataset-fashion-mnist golang-github-bkaradzic-go-lz4-dev trans-de-en graphviz libopenmpi-dev openmpi-bin)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing ${missing[*]}, and apt-get is not available; install them with your package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup: missing ${missing[*]}; run as root or install sudo" >&2; exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
