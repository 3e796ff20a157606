#!/usr/bin/env bash
# test_cli_basics.sh - the vrgen command's contract: help, version, usage errors, and a
# clean error (not a crash) with exit status 5 when there is no Vulkan device at all.
set -u
VRGEN=${VRGEN:?path to the vrgen binary}
fail=0
check() { # check NAME EXPECTED_STATUS PATTERN -- command...
    local name=$1 want=$2 pat=$3; shift 4
    local out; out=$("$@" 2>&1); local got=$?
    if [ "$got" != "$want" ]; then echo "FAIL $name: exit $got, expected $want"; echo "$out" | head -5; fail=1; return; fi
    if ! grep -qE -- "$pat" <<<"$out"; then echo "FAIL $name: output lacks /$pat/"; echo "$out" | head -5; fail=1; return; fi
    echo "ok $name"
}
check help 0 'usage: vrgen COMMAND' -- "$VRGEN" --help
check version 0 '^vrgen [0-9]' -- "$VRGEN" --version
check no-args 2 'usage' -- "$VRGEN"
check unknown-command 2 "unknown command 'frobnicate'" -- "$VRGEN" frobnicate
check bench-help 0 'exit status' -- "$VRGEN" bench --help
check unknown-option 2 'unknown option --rpes' -- "$VRGEN" bench --rpes 3
check bad-value 2 "--reps: 'x' is not" -- "$VRGEN" bench --reps x
check bad-size 2 'expected WxH' -- "$VRGEN" bench --size 321x240
check info 0 'vrgen uses \[' -- "$VRGEN" info
check no-such-device 5 "--device nosuchgpu: no usable device matches" -- "$VRGEN" info --device nosuchgpu
# no Vulkan driver at all: the loader finds no ICD
check no-vulkan 5 'no Vulkan' -- env VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json "$VRGEN" info
check no-vulkan-bench 5 'no Vulkan' -- env VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json "$VRGEN" bench --backend vulkan --reps 1
# ... while the automatic choice takes the cpu backend, without an error line on the way
out=$(env VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json "$VRGEN" bench --reps 1 --size 64x48 --no-convs 2>&1); st=$?
if [ $st = 0 ] && grep -q "^backend: cpu" <<<"$out" && ! grep -q "no Vulkan" <<<"$out"; then echo "ok no-vulkan-auto-cpu"; else echo "FAIL no-vulkan-auto-cpu: exit $st"; echo "$out" | head -5; fail=1; fi
# where the best Vulkan device is a CPU implementation (lavapipe), the automatic choice
# probes it in a child process: the driver's LLVM (about 45 MB resident) does not stay in
# vrgen's memory. Peak RSS (getrusage) with the automatic choice and with cpu named, of a job
# (640x480) whose own peak is above the probing child's (which getrusage counts as well).
peak() { python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)' "$@"; }
if "$VRGEN" info 2>&1 | grep -q "^backend (auto): cpu.*is a CPU implementation"; then
    auto=$(peak "$VRGEN" bench --reps 1 --size 640x480 --no-convs)
    cpu=$(peak env VRGEN_BACKEND=cpu "$VRGEN" bench --reps 1 --size 640x480 --no-convs)
    if [ -n "$auto" ] && [ -n "$cpu" ] && [ "$auto" -lt $((cpu + 15)) ]; then
        echo "ok auto-probe-in-child ($auto MB, cpu named $cpu MB)"
    else
        echo "FAIL auto-probe-in-child: peak RSS $auto MB with the automatic choice, $cpu MB with cpu named"
        fail=1
    fi
    # the cpu backend's budget comes from the host's memory (more than the old 1 GiB default
    # on any machine with more than 4 GiB)
    budget=$("$VRGEN" info 2>&1 | sed -n 's/.*generator budget \([0-9.]*\) GiB.*/\1/p')
    total=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 / 4 }' /proc/meminfo)
    if [ -n "$budget" ] && awk -v b="$budget" -v t="$total" 'BEGIN { exit !(b > 0 && b <= t + 0.1) }'; then
        echo "ok cpu budget $budget GiB (a quarter of $(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo) GiB)"
    else
        echo "FAIL cpu budget: '$budget' GiB, want a quarter of the host memory ($total GiB) or less"
        fail=1
    fi
else
    echo "ok auto-probe-in-child: skipped, the best Vulkan device is not a CPU implementation"
fi
exit $fail
