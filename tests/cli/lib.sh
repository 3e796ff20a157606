# lib.sh - what the shell tests share; each test sources it first:
#   . "$(dirname "$0")/lib.sh"      (tests/xr: "$(dirname "$0")/../cli/lib.sh")
# ok NAME / bad NAME: one line of the test's report (bad marks the test failed: exit $fail);
# gen ARGS...: ffmpeg, quiet, overwriting (test inputs from lavfi);
# t_setup NAME [TOOL...]: exits 77 (SKIP) when a TOOL is not installed, then makes
#   $T=/tmp/vrgen-NAME-XXXXXX, removed at exit, the current folder;
# wait_done FILE N: waits (up to 30 s) until FILE, the --progress json output of a
#   stylize or train run, reports "done" >= N: signal a run at a known point, not after
#   a sleep that a faster machine outruns;
# t_numpy: sets $PY to Debian's python3 when it has numpy (scripts/install-deps.sh), else
#   exits 77 (another python3 on PATH may lack it).
fail=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fail=1; }
gen() { ffmpeg -v error -y "$@"; }

t_setup() {
    local name=$1 tool
    shift
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
    done
    T=$(mktemp -d "${TMPDIR:-/tmp}/vrgen-$name-XXXXXX")
    trap 'rm -rf "$T"' EXIT
    cd "$T" || exit 1
}

wait_done() {
    local d
    for _ in $(seq 1 600); do
        d=$(grep -o '"done": *[0-9]*' "$1" 2>/dev/null | tail -1 | grep -o '[0-9]*$')
        [ -n "$d" ] && [ "$d" -ge "$2" ] && return 0
        sleep 0.05
    done
    return 1
}

t_numpy() {
    PY=/usr/bin/python3
    [ -x $PY ] || PY=python3
    $PY -c "import numpy" 2>/dev/null || { echo "SKIP: python3-numpy not installed"; exit 77; }
}
