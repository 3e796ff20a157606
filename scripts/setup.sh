#!/usr/bin/env bash
# setup.sh - quick start: installs the dependencies, builds vrgen and runs its main job on
# the embedded default, so a fresh Debian 12 machine shows vrgen working in one command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo "== vrgen built: build/vrgen. Running: build/vrgen bench"
build/vrgen bench
