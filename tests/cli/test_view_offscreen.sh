#!/usr/bin/env bash
# test_view_offscreen.sh - vrgen view --offscreen: both eye views rendered to PNG with the
# viewer's renderer, compared with the expected projection of test patterns (colours from
# ffmpeg's lavfi, stored as lossless RGB so the bytes are exact):
#   flat screen: 3 m wide at 3 m, 90 degree fov, 400x400 per eye: the screen spans pixel
#     columns 100..300 and rows 144..256, quadrants where they belong, the room around it;
#   360 / 180 (layout from the file name): the yaw picks the longitude stripe;
#   stereo side by side: each eye shows its own half, --swap-eyes swaps them;
#   a pose script, the reference backend against Vulkan, live stylization with -m;
#   the controls hint (--hint on): where its rectangle lands in each eye, gone after 8 s;
#   bad options and an existing capture: clear errors, exit codes, nothing overwritten.
set -u
VRGEN=${VRGEN:?path to the vrgen binary}
. "$(dirname "$0")/lib.sh"
t_setup view ffmpeg
# px FILE X Y: "R G B" of a pixel
px() {
    local w; w=$(ffprobe -v error -show_entries stream=width -of csv=p=0 "$1")
    ffmpeg -v error -y -i "$1" -f rawvideo -pix_fmt rgb24 px.raw && od -An -tu1 -j $(( ($3 * w + $2) * 3 )) -N3 px.raw | xargs
}
# near NAME FILE X Y "R G B": within 2 codes per channel
near() {
    local got; got=$(px "$2" "$3" "$4")
    if awk -v a="$got" -v b="$5" 'BEGIN { split(a, x); split(b, y); for (i = 1; i <= 3; i++) { d = x[i] - y[i]; if (d > 2 || d < -2) exit 1 } }'; then
        ok "$1 ($got)"
    else
        bad "$1: pixel ($3,$4) of $2 is '$got', expected '$5'"
    fi
}
V() { "$VRGEN" view -q --offscreen --eye-size 400x400 --fov 90 --ipd 0 "$@"; }
ROOM="13 13 15" # the room colour (0.05, 0.05, 0.06) in bytes

# a flat 16:9 picture in quadrants: red | green over blue | white
gen -f lavfi -i "color=c=red:s=320x180:d=0.2:r=10,drawbox=x=160:y=0:w=160:h=90:c=lime:t=fill,drawbox=x=0:y=90:w=160:h=90:c=blue:t=fill,drawbox=x=160:y=90:w=160:h=90:c=white:t=fill" \
    -c:v ffv1 -pix_fmt gbrp flat.mkv || { echo "cannot make test clips"; exit 1; }
V flat.mkv --capture flat && [ -f flat/left_000001.png ] && [ -f flat/right_000001.png ] && ok "capture written" || bad "offscreen run"
near "screen top left is red" flat/left_000001.png 150 170 "255 0 0"
near "screen top right is green" flat/left_000001.png 250 170 "0 255 0"
near "screen bottom left is blue" flat/left_000001.png 150 230 "0 0 255"
near "screen bottom right is white" flat/right_000001.png 250 230 "255 255 255"
near "left of the screen is the room" flat/left_000001.png 60 200 "$ROOM"
near "above the screen is the room" flat/left_000001.png 200 120 "$ROOM"
near "below the screen is the room" flat/left_000001.png 200 280 "$ROOM"
# turned 90 degrees left: the screen is out of view
V flat.mkv --capture flat_side --pose 90,0,0 && near "looking away: only the room" flat_side/left_000001.png 200 200 "$ROOM" || bad "pose run"
# curved screen: straight ahead is the picture's centre area, above it the room
V flat.mkv --capture curved --layout curved && near "curved: top left quadrant" curved/left_000001.png 150 180 "255 0 0" \
    && near "curved: above the screen is the room" curved/left_000001.png 200 110 "$ROOM" || bad "curved run"

# 360: four longitude stripes red, green, blue, white from the left edge (lon -180)
gen -f lavfi -i "color=c=red:s=360x180:d=0.2:r=10,drawbox=x=90:y=0:w=90:h=180:c=lime:t=fill,drawbox=x=180:y=0:w=90:h=180:c=blue:t=fill,drawbox=x=270:y=0:w=90:h=180:c=white:t=fill" \
    -c:v ffv1 -pix_fmt gbrp -frames:v 2 pattern_360.mkv
for p in "45 0 255 0" "-45 0 0 255" "135 255 0 0" "-135 255 255 255"; do
    set -- $p
    V pattern_360.mkv --capture "s$1" --pose "$1,0,0" && near "360 yaw $1" "s$1/left_000001.png" 200 200 "$2 $3 $4" || bad "360 run yaw $1"
done
cp pattern_360.mkv pattern_180.mkv
V pattern_180.mkv --capture back --pose 180,0,0 && near "180: behind is the room" back/left_000001.png 200 200 "$ROOM" || bad "180 run"
V pattern_180.mkv --capture front --pose 22.5,0,0 && near "180: yaw 22.5 (u 0.375) is the second quarter" front/left_000001.png 200 200 "0 255 0" || bad "180 front run"
printf '# frame yaw pitch roll\n0 45 0 0\n1 -45 0 0\n' > poses.txt
V pattern_360.mkv --capture script --pose-script poses.txt --frames 2 \
    && near "pose script frame 1" script/left_000001.png 200 200 "0 255 0" \
    && near "pose script frame 2" script/left_000002.png 200 200 "0 0 255" || bad "pose script run"

# stereo side by side: left eye red, right eye blue
gen -f lavfi -i "color=c=red:s=640x180:d=0.2:r=10,drawbox=x=320:y=0:w=320:h=180:c=blue:t=fill" -c:v ffv1 -pix_fmt gbrp clip_sbs.mkv
V clip_sbs.mkv --capture sbs && near "sbs: left eye sees the left half" sbs/left_000001.png 200 200 "255 0 0" \
    && near "sbs: right eye sees the right half" sbs/right_000001.png 200 200 "0 0 255" || bad "sbs run"
V clip_sbs.mkv --capture swap --swap-eyes && near "swap: left eye sees the right half" swap/left_000001.png 200 200 "0 0 255" || bad "swap run"
V clip_sbs.mkv --capture mono --stereo mono && near "forced mono: both halves on one screen" mono/right_000001.png 150 200 "255 0 0" || bad "mono run"

# the reference backend draws the same picture
V flat.mkv --capture ref --backend ref --pose 10,5,3 && V flat.mkv --capture vk --pose 10,5,3 || bad "ref/vulkan runs"
[ -f ref/left_000001.png ] && [ -f vk/left_000001.png ] || bad "no captures to compare"
d=$(ffmpeg -v error -i ref/left_000001.png -i vk/left_000001.png -lavfi "[0:v][1:v]blend=all_mode=difference,signalstats,metadata=print:file=-" -f null - 2>&1 | awk -F= '/(Y|U|V)MAX=/ { if ($2 > m) m = $2 } END { if (NR) print m + 0 }')
[ -n "$d" ] && [ "$d" -le 2 ] && ok "reference = Vulkan (max diff $d)" || bad "reference and Vulkan differ by $d"

# live stylization with a model: the screen changes, the room does not
gen -f lavfi -i testsrc2=s=96x64:r=10:d=0.5 -c:v libx264 -pix_fmt yuv420p train.mp4
"$VRGEN" train -q --style train.mp4 --content train.mp4 -o model.safetensors --ae-steps 2 --steps 1 --size 32 --batch 1 --width 4 --blocks 1 --dwidth 4 --progress none \
    || bad "cannot train the test model"
V flat.mkv --capture styl -m model.safetensors && near "stylized: room unchanged" styl/left_000001.png 60 200 "$ROOM" \
    && [ "$(px styl/left_000001.png 150 170)" != "255 0 0" ] && ok "stylized: the screen changed ($(px styl/left_000001.png 150 170))" || bad "live stylization run"

# live stylization holds the style where the picture is still, as stylize does
# (test_hold.sh): with the default model, on a clip whose left half is still (with fresh
# noise) and whose right half scrolls, the first capture equals --hold 0's and on the
# screen's still half later captures change at least 2x less than without the hold
DM=${VRGEN_TEST_DATA:-}/../../samples/default.safetensors
if [ -n "${VRGEN_TEST_DATA:-}" ] && [ -f "$DM" ] && /usr/bin/python3 -c "import numpy" 2>/dev/null; then
    gen -f lavfi -i "testsrc2=s=160x180:r=10:d=0.1,loop=loop=-1:size=1,noise=alls=1:allf=t" \
        -f lavfi -i "testsrc2=s=160x180:r=10,scroll=h=0.03" -lavfi "[0][1]hstack=shortest=1" \
        -frames:v 6 -c:v ffv1 -pix_fmt yuv444p hold.mkv
    if V hold.mkv -m "$DM" --capture hold3 --frames 5 && V hold.mkv -m "$DM" --capture hold0 --frames 5 --hold 0; then
        /usr/bin/python3 - <<'PY' && ok "view: $(cat hold.txt)" || bad "view hold: $(cat hold.txt 2>/dev/null)"
import subprocess
import numpy as np
def load(f):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", f, "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(400, 400).astype(np.int32)
cap = {h: [load(f"hold{h}/left_{i:06d}.png") for i in range(1, 6)] for h in (3, 0)}
first = int(np.abs(cap[3][0] - cap[0][0]).max())
still = lambda a: float(np.mean([np.abs(a[i + 1] - a[i])[150:250, 110:190].mean() for i in range(4)]))
s3, s0 = still(cap[3]), still(cap[0])
open("hold.txt", "w").write(f"first capture max diff {first}; still half change {s3:.2f} held vs {s0:.2f}")
raise SystemExit(0 if first == 0 and 2 * s3 <= s0 else 1)
PY
    else
        bad "view --hold runs"
    fi
else
    echo "skip view hold: no default model under VRGEN_TEST_DATA or no numpy"
fi

# --rate: the headset's frame loop without a runtime; the worker stylizes on its own thread
"$VRGEN" view flat.mkv -m model.safetensors --offscreen --rate 30 --frames 30 --eye-size 64x64 --loop --xr-log rate.jsonl >rate.txt 2>err.txt \
    && grep -q "30 display frames, 64x64 per eye, pictures 320x180 per eye, stylized live" rate.txt && grep -q "eye ms median" rate.txt \
    && [ "$(grep -c '"event":"frame"' rate.jsonl)" -eq 30 ] \
    && /usr/bin/python3 - rate.jsonl <<'PY' && ok "--rate: 30 paced frames, increasing display times, pictures stylized" || bad "--rate run: $(cat rate.txt err.txt)"
import json, sys
f = [json.loads(l) for l in open(sys.argv[1]) if '"frame"' in l]
t = [x["display_time"] for x in f]
assert all(b > a for a, b in zip(t, t[1:])), t
assert f[-1]["generated"] > 0 and f[-1]["slot"] >= 0, f[-1]
assert all(len(x["eye_ms"]) == 2 for x in f)
PY
"$VRGEN" view flat.mkv --offscreen --rate 30 --capture x 2>err.txt; [ $? -eq 2 ] && grep -q -- "--rate" err.txt && ok "--rate with --capture: usage error" || bad "--rate with --capture: $(cat err.txt)"
"$VRGEN" view flat.mkv --rate 30 2>err.txt; [ $? -eq 2 ] && grep -q -- "--offscreen" err.txt && ok "--rate without --offscreen: usage error" || bad "--rate alone: $(cat err.txt)"

# the controls hint: head-locked, 0.9 m wide (1024x232 picture), centre 0.5 m below the eye at
# 1.2 m. 90 degrees, 400x400, eyes 0.032 m left and right of the head centre: the left eye
# sees it over columns 130.3..280.3, the right eye 119.7..269.7, rows 266.3..300.3. The
# captures with and without it may differ only inside that rectangle; 8 s later it is gone.
gen -f lavfi -i "color=c=red:s=320x180:d=10:r=1" -c:v ffv1 -pix_fmt gbrp hint.mkv
"$VRGEN" view -q --offscreen --eye-size 400x400 --fov 90 --ipd 0.064 hint.mkv --frames 10 --capture hint_on --hint on --xr-log hint.jsonl \
  && "$VRGEN" view -q --offscreen --eye-size 400x400 --fov 90 --ipd 0.064 hint.mkv --frames 10 --capture hint_off || bad "hint runs"
bbox() { # FILE_A FILE_B: "x0 y0 x1 y1" of the pixels that differ, or "none"
  ffmpeg -v error -y -i "$1" -f rawvideo -pix_fmt rgb24 a.raw && ffmpeg -v error -y -i "$2" -f rawvideo -pix_fmt rgb24 b.raw \
    && python3 -c "
a = open('a.raw', 'rb').read(); b = open('b.raw', 'rb').read(); w = 400
d = [i // 3 for i in range(len(a)) if a[i] != b[i]]
print('none' if not d else '%d %d %d %d' % (min(p % w for p in d), min(p // w for p in d), max(p % w for p in d) + 1, max(p // w for p in d) + 1))"
}
within() { # NAME "x0 y0 x1 y1" "X0 Y0 X1 Y1": each edge within 1.5 px
  awk -v a="$2" -v b="$3" 'BEGIN { split(a, x); split(b, y); for (i = 1; i <= 4; i++) { d = x[i] - y[i]; if (d > 1.5 || d < -1.5) exit 1 } }' \
    && ok "$1 ($2)" || bad "$1: differing pixels $2, expected $3"
}
within "hint in the left eye" "$(bbox hint_on/left_000001.png hint_off/left_000001.png)" "130.3 266.3 280.3 300.3"
within "hint in the right eye" "$(bbox hint_on/right_000001.png hint_off/right_000001.png)" "119.7 266.3 269.7 300.3"
c=$(px hint_on/left_000001.png 140 290)
awk -v a="$c" 'BEGIN { split(a, x); exit !(x[1] < 60 && x[2] < 60 && x[3] < 60) }' && ok "the hint box is dark ($c)" || bad "hint box colour '$c'"
[ "$(bbox hint_on/left_000009.png hint_off/left_000009.png)" = none ] && [ "$(bbox hint_on/right_000010.png hint_off/right_000010.png)" = none ] \
  && ok "the hint is gone after 8 s" || bad "hint still shown after 8 s"
[ "$(grep -c '"hint":1' hint.jsonl)" = 8 ] && ok "the log marks the 8 frames with the hint" || bad "hint in the log: $(grep -c '"hint":1' hint.jsonl) frames"

# errors: exit codes, messages naming the problem, nothing overwritten
"$VRGEN" view flat.mkv --offscreen 2>err.txt; [ $? -eq 2 ] && grep -q -- "--capture" err.txt && ok "--offscreen without --capture: usage error" || bad "missing --capture: $(cat err.txt)"
"$VRGEN" view flat.mkv --offscreen --capture x --pose 1,2 2>err.txt; [ $? -eq 2 ] && grep -q -- "--pose 1,2" err.txt && ok "bad --pose: usage error" || bad "bad --pose: $(cat err.txt)"
"$VRGEN" view flat.mkv --offscreen --capture x --eye-size 10x10 2>err.txt; [ $? -eq 2 ] && ok "bad --eye-size: usage error" || bad "bad --eye-size: $(cat err.txt)"
"$VRGEN" view missing.mkv --offscreen --capture x 2>err.txt; [ $? -eq 3 ] && grep -q "missing.mkv" err.txt && ok "missing input: input error" || bad "missing input: $(cat err.txt)"
printf 'junk' > notvideo.mkv
"$VRGEN" view notvideo.mkv --offscreen --capture x 2>err.txt; [ $? -eq 3 ] && grep -q "notvideo.mkv" err.txt && ok "corrupt input: input error" || bad "corrupt input: $(cat err.txt)"
printf '0 1 2\n' > badposes.txt
"$VRGEN" view flat.mkv --offscreen --capture x --pose-script badposes.txt 2>err.txt; [ $? -eq 2 ] && grep -q "badposes.txt:1" err.txt && ok "bad pose script: names the line" || bad "bad pose script: $(cat err.txt)"
sum=$(md5sum flat/left_000001.png)
V flat.mkv --capture flat 2>err.txt; [ $? -eq 4 ] && grep -q "already exists" err.txt && [ "$(md5sum flat/left_000001.png)" = "$sum" ] && ok "existing capture kept without -y" || bad "existing capture: $(cat err.txt)"
V flat.mkv --capture flat -y --pose 90,0,0 && [ "$(md5sum flat/left_000001.png)" != "$sum" ] && ok "-y overwrites" || bad "-y run"
exit $fail
