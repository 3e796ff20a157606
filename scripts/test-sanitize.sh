#!/usr/bin/env bash
# test-sanitize.sh - the whole test suite in an AddressSanitizer + UndefinedBehaviorSanitizer
# build (build-asan/, -DVRGEN_SANITIZE=ON): every C test and every shell test runs the
# instrumented binaries; a sanitizer report (memory error, leak, undefined behaviour) aborts
# the process, so the test fails. The xr tests are left out: they build vrgen again inside
# the Debian 13 chroot (scripts/xr-sandbox), not with this build. Takes about 3x the normal
# suite; not part of .ci/run (see docs/hardening.md for the time it takes).
#   scripts/test-sanitize.sh [ctest options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dir=build-asan
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVRGEN_SANITIZE=ON -DVRGEN_WERROR=ON >/dev/null
cmake --build "$dir" -j"$(nproc)" -- --no-print-directory 2>&1 | grep -vE '^\[|^(Consolidate|Scanning|Built target|Linking)' || true
test -x "$dir/vrgen"
# Leaks inside the Vulkan loader, Mesa's lavapipe and LLVM (driver-lifetime caches, not
# vrgen's) are suppressed; everything else is reported.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
# ... and so that a leak report can name those libraries, they are never unloaded
# (tests/sanitize/keep_libs.c, preloaded ahead of the ASan runtime).
cc -shared -fPIC -O2 -o "$dir/keep_libs.so" tests/sanitize/keep_libs.c
export LD_PRELOAD="$PWD/$dir/keep_libs.so"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:verify_asan_link_order=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd "$dir"
start=$(date +%s)
st=0
ctest --output-on-failure -j"$(nproc)" -LE xr "$@" || st=$?
echo "test-sanitize: ctest took $(( $(date +%s) - start )) s"
exit $st
