#!/usr/bin/env bash
# test_view_xr.sh - vrgen view against a real OpenXR runtime: Monado 25 in the Debian 13
# chroot of scripts/xr-sandbox (set up and vrgen built there on first use; skips with the
# reason when this machine cannot host it: not root, mirror out of reach).
#   null compositor, OpenXR core validation + Vulkan validation: the exact session-state
#     order, >= 100 frames with strictly increasing display times, exit 0, no message;
#   live stylization: frames submitted while the generator runs on the runtime's device
#   (VRGEN_VIEW_WORK=device) and, lavapipe's default, on the native CPU backend;
#   no runtime, and the runtime killed mid-session: a clear error, exit 5, no hang;
#   real compositor on Xvfb (screenshots of Monado's window, left eye | right eye, 640x360):
#     each eye shows its own half of a side-by-side clip, a 360 clip shows the right
#     longitude, and the runtime's composition layers give the picture vrgen's own
#     projection rendering gives; SIGTERM leaves the session cleanly (exit 130).
# Scenes are head-locked (--head-locked): Monado's simulated head sways.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
SB="$repo/scripts/xr-sandbox"
command -v ffmpeg >/dev/null || { echo "SKIP: ffmpeg not installed"; exit 77; }
out=$("$SB" setup 2>&1); rc=$?
[ $rc -eq 77 ] && { echo "SKIP: $out"; exit 77; }
[ $rc -ne 0 ] && { echo "FAIL: sandbox setup: $out"; exit 1; }
out=$("$SB" build 2>&1); rc=$?
[ $rc -eq 77 ] && { echo "SKIP: $out"; exit 77; }
[ $rc -ne 0 ] && { echo "FAIL: vrgen does not build on Debian 13: $(echo "$out" | tail -20)"; exit 1; }
W=$(mktemp -d "$repo/build-xr/xrtest-XXXXXX")
w=/src/build-xr/$(basename "$W") # the same folder inside the chroot
trap '[ -n "${VRGEN_XR_KEEP:-}" ] || rm -rf "$W"' EXIT
V=/src/build-xr/vrgen
. "$repo/tests/cli/lib.sh"
run() { timeout 200 "$SB" run --timeout 150 "$@"; }
# px FILE X Y: "R G B"
px() {
    local wd; wd=$(ffprobe -v error -show_entries stream=width -of csv=p=0 "$1")
    ffmpeg -v error -y -i "$1" -f rawvideo -pix_fmt rgb24 "$W/px.raw" && od -An -tu1 -j $(( ($3 * wd + $2) * 3 )) -N3 "$W/px.raw" | xargs
}
near() { # NAME FILE X Y "R G B": within 8 codes (the compositor filters)
    local got; got=$(px "$2" "$3" "$4")
    awk -v a="$got" -v b="$5" 'BEGIN { split(a, x); split(b, y); if (length(a) == 0) exit 1; for (i = 1; i <= 3; i++) { d = x[i] - y[i]; if (d > 8 || d < -8) exit 1 } }' \
        && ok "$1 ($got)" || bad "$1: pixel ($3,$4) of $(basename "$2") is '$got', expected '$5'"
}

gen -f lavfi -i "color=c=red:s=320x180:d=3:r=30,drawbox=x=160:y=0:w=160:h=90:c=lime:t=fill,drawbox=x=0:y=90:w=160:h=90:c=blue:t=fill,drawbox=x=160:y=90:w=160:h=90:c=white:t=fill" \
    -c:v ffv1 -pix_fmt gbrp "$W/flat.mkv" || { echo "cannot make test clips"; exit 1; }
gen -f lavfi -i "color=c=red:s=640x180:d=3:r=30,drawbox=x=320:y=0:w=320:h=180:c=blue:t=fill" -c:v ffv1 -pix_fmt gbrp "$W/clip_sbs.mkv"
gen -f lavfi -i "color=c=cyan:s=360x180:d=3:r=30,drawbox=x=90:y=0:w=180:h=180:c=magenta:t=fill" -c:v ffv1 -pix_fmt gbrp "$W/pano_360.mkv"

# 1. null compositor with both validation layers
VRGEN_XR_VALIDATION=1 VRGEN_VALIDATION=1 run --null -- $V view $w/flat.mkv --loop --frames 120 --xr-log $w/null.jsonl >"$W/null.out" 2>&1; st=$?
[ $st -eq 0 ] && ok "null compositor: exit 0" || bad "null compositor: exit $st: $(tail -5 "$W/null.out")"
states=$(grep -o '"state":"[A-Z_]*"' "$W/null.jsonl" | cut -d'"' -f4 | xargs)
want="IDLE READY SYNCHRONIZED VISIBLE FOCUSED VISIBLE SYNCHRONIZED STOPPING IDLE EXITING"
[ "$states" = "$want" ] && ok "session states in order: $states" || bad "session states '$states', expected '$want'"
n=$(grep -c '"event":"frame"' "$W/null.jsonl")
[ "$n" -ge 100 ] && ok "$n frames submitted" || bad "only $n frames submitted"
grep -o '"display_time":[0-9]*' "$W/null.jsonl" | cut -d: -f2 | awk 'NR > 1 && $1 <= p { bad = 1 } { p = $1 } END { exit bad || NR < 100 }' \
    && ok "display times strictly increasing" || bad "display times not strictly increasing"
grep -q -E "Vulkan validation (error|warning)|VALID_ERROR|VALID_WARNING" "$W/null.out" \
    && bad "validation messages: $(grep -i -m3 -E 'validation|VUID' "$W/null.out")" || ok "no validation message"

# 2. live stylization: on the runtime's device (VRGEN_VIEW_WORK=device: the GPU path), and
#    as lavapipe gets it by default, on the native CPU backend with pictures copied over
for work in device auto; do
  VRGEN_VIEW_WORK=$work run --null -- $V view $w/flat.mkv -m /src/samples/default.safetensors --loop --frames 60 --xr-log $w/live_$work.jsonl -q >"$W/live_$work.out" 2>&1; st=$?
  g=$(grep '"event":"frame"' "$W/live_$work.jsonl" | tail -1 | grep -o '"generated":[0-9]*' | cut -d: -f2)
  [ $st -eq 0 ] && [ -n "$g" ] && [ "$g" -gt 0 ] && grep -q '"variant":1' "$W/live_$work.jsonl" \
      && ok "live stylization ($work): $g generator runs while frames were submitted" || bad "live stylization $work (exit $st, generated '$g'): $(tail -3 "$W/live_$work.out")"
done

# 3. no runtime
run --no-service -- $V view $w/flat.mkv >"$W/none.out" 2>&1; st=$?
[ $st -eq 5 ] && grep -q "no OpenXR runtime" "$W/none.out" && ok "no runtime: exit 5 with advice" || bad "no runtime: exit $st: $(tail -2 "$W/none.out")"

# 4. the runtime killed mid-session
run --null -- sh -c "$V view $w/flat.mkv --loop -q --xr-log $w/kill.jsonl & p=\$!; sleep 4; kill -9 \$VRGEN_XR_SERVICE_PID; wait \$p; echo exit=\$?" >"$W/kill.out" 2>&1; st=$?
e=$(grep -o 'exit=[0-9]*' "$W/kill.out" | cut -d= -f2)
[ $st -ne 124 ] && [ -n "$e" ] && [ "$e" -ne 0 ] && ok "runtime killed: vrgen exits $e, no hang" || bad "runtime killed: sandbox $st, vrgen '$e': $(tail -3 "$W/kill.out")"

# 5. real compositor on Xvfb: screenshots while playing, then SIGTERM
shot() { # NAME ARGS...: screenshot W/NAME.png of vrgen view ARGS, exit code in W/NAME.rc
    local name=$1; shift
    run --xvfb -- sh -c "$V view --hint off $* --head-locked --loop -q --xr-log $w/$name.jsonl & p=\$!; sleep 6; \"\$VRGEN_XR_SCREENSHOT\" $w/$name.png; kill -TERM \$p; wait \$p; echo \$? > $w/$name.rc" >"$W/$name.out" 2>&1
    [ -f "$W/$name.png" ] || bad "$name: no screenshot: $(tail -3 "$W/$name.out")"
}
shot sbs $w/clip_sbs.mkv --screen-size 6 --screen-distance 2
near "xvfb sbs (quad layers): left eye sees the left half" "$W/sbs.png" 160 180 "255 0 0"
near "xvfb sbs (quad layers): right eye sees the right half" "$W/sbs.png" 480 180 "0 0 255"
[ "$(cat "$W/sbs.rc" 2>/dev/null)" = 130 ] && tail -1 "$W/sbs.jsonl" | grep -q '"event":"exit"' && grep -q '"EXITING"' "$W/sbs.jsonl" \
    && ok "SIGTERM: session left cleanly, exit 130" || bad "SIGTERM: exit '$(cat "$W/sbs.rc" 2>/dev/null)'"
shot sbsp $w/clip_sbs.mkv --screen-size 6 --screen-distance 2 --layers projection
near "xvfb sbs (projection): left eye" "$W/sbsp.png" 160 180 "255 0 0"
near "xvfb sbs (projection): right eye" "$W/sbsp.png" 480 180 "0 0 255"
shot pano $w/pano_360.mkv
near "xvfb 360 (equirect2 layer): straight ahead is the middle of the picture" "$W/pano.png" 160 180 "255 0 255"
shot panop $w/pano_360.mkv --layers projection
near "xvfb 360 (projection): straight ahead" "$W/panop.png" 480 180 "255 0 255"
grep -q '"kind":"equirect2"' "$W/pano.jsonl" && grep -q '"kind":"projection"' "$W/panop.jsonl" && ok "360: equirect2 layer and projection paths both used" || bad "layer kinds not as asked"
# layers against projection for the flat screen: the same picture, up to filtering
shot flat $w/flat.mkv
shot flatp $w/flat.mkv --layers projection
d=$(ffmpeg -v error -i "$W/flat.png" -i "$W/flatp.png" -lavfi "[0:v]crop=640:360:0:0[a];[1:v]crop=640:360:0:0[b];[a][b]blend=all_mode=difference,format=gray,signalstats,metadata=print:file=-" -f null - 2>&1 | awk -F= '/YAVG=/ { print $2 }')
awk -v d="$d" 'BEGIN { exit !(length(d) > 0 && d + 0 < 4) }' && ok "quad layer = projection rendering (mean difference $d)" || bad "quad layer and projection differ (mean difference '$d')"
near "xvfb flat: the top left quadrant is red" "$W/flat.png" 130 160 "255 0 0"
# the controls hint (a quad layer in VIEW space): drawn, below the middle of each eye only.
# Both screenshots come from one session, with the hint (6 s) and after it has gone (13 s;
# it shows for XRV_HINT_SECONDS = 8 from the first frame).
run --xvfb -- sh -c "$V view --hint on $w/flat.mkv --head-locked --loop -q --xr-log $w/hint.jsonl & p=\$!; sleep 6; \"\$VRGEN_XR_SCREENSHOT\" $w/hint.png; sleep 7; \"\$VRGEN_XR_SCREENSHOT\" $w/hint_gone.png; kill -TERM \$p; wait \$p" >"$W/hint.out" 2>&1
[ -f "$W/hint.png" ] && [ -f "$W/hint_gone.png" ] || bad "hint: no screenshots: $(tail -3 "$W/hint.out")"
where=$(python3 - "$W/hint_gone.png" "$W/hint.png" <<'EOF'
import subprocess, sys
def rgb(path):
    w = int(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width", "-of", "csv=p=0", path],
                           capture_output=True, text=True).stdout)
    return w, subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                             capture_output=True).stdout
(w, a), (_, b) = rgb(sys.argv[1]), rgb(sys.argv[2])
# Monado's window: 640x360 at the top left (left eye | right eye)
d = [(i // 3 % w, i // 3 // w) for i in range(min(len(a), len(b))) if abs(a[i] - b[i]) > 24]
d = sorted({(x, y) for x, y in d if x < 640 and y < 360})
# the simulated head's sway moves the picture by a pixel or two even between two
# screenshots of one session: a pixel counts only when nothing within 2 pixels of it in
# the screenshot without the hint looks like it (the hint's text is new content)
def px(buf, x, y):
    return buf[3 * (y * w + x):3 * (y * w + x) + 3]
def new(x, y):
    p = px(b, x, y)
    return all(max(abs(p[c] - q[c]) for c in range(3)) > 24
               for q in (px(a, x + i, y + j) for i in range(-2, 3) for j in range(-2, 3)
                         if 0 <= x + i < w and 0 <= y + j < 360))
d = [(x, y) for x, y in d if new(x, y)]
print("%d %d %d %d" % (len(d), min(y for x, y in d), max(y for x, y in d), len(set(x // 320 for x, y in d))) if d else "none")
EOF
)
case "$where" in
  none) bad "hint: the screenshot does not change with --hint on" ;;
  *) awk -v r="$where" 'BEGIN { split(r, x); exit !(x[2] >= 180 && x[4] == 2) }' \
       && ok "hint drawn below the middle of both eyes (pixels, first row, last row, eyes: $where)" || bad "hint placement (pixels, first row, last row, eyes): $where" ;;
esac
n=$(grep '"event":"frame"' "$W/null.jsonl" | grep -c '"hint":1')
[ "$n" -ge 100 ] && ok "null compositor: the hint layer submitted in $n frames (validation on)" || bad "null compositor: the hint layer in only $n frames"
exit $fail
