#!/usr/bin/env bash
# build.sh - configures and builds vrgen into build/ (Release with debug info).
#   BUILD_DIR=dir  another build folder;  VRGEN_WERROR=ON  warnings are errors (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVRGEN_WERROR="${VRGEN_WERROR:-OFF}" >/dev/null
cmake --build "$dir" -j"$(nproc)" -- --no-print-directory 2>&1 | grep -vE '^\[|^(Consolidate|Scanning|Built target|Linking)' || true
test -x "$dir/vrgen"
