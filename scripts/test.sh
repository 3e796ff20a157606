#!/usr/bin/env bash
# test.sh - the whole test suite: installs dependencies, builds with warnings as errors,
# runs every test (Vulkan tests on lavapipe when there is no GPU, with validation on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
VRGEN_WERROR=ON scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
