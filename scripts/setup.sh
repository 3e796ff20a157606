#!/usr/bin/env bash
# setup.sh - quick start: installs the dependencies, builds vrgen and runs its main job on
# the embedded defaults (the sample clip and the default Starry Night model), so a fresh
# Debian 12 machine shows vrgen working in one command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
out=build/sample_stylized.mp4
echo "== vrgen built: build/vrgen. Running: build/vrgen stylize samples/sample.mp4 -o $out -y"
build/vrgen stylize samples/sample.mp4 -o "$out" -y
echo "== done: $out (samples/sample.mp4 in the style of The Starry Night)"
echo "   next: build/vrgen stylize --help, build/vrgen train --help, README.md"
