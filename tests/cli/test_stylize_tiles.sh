#!/usr/bin/env bash
# test_stylize_tiles.sh - vrgen stylize on frames tiled under a small --max-memory against
# the same frames untiled: flat, 360 (tiles wrap around the left and right edges), stereo
# side by side, PNG output; the fast estimated statistics; bad --max-memory values (usage
# error, exit 2, nothing written). Clips from ffmpeg's lavfi testsrc2; a small model is
# trained first (seconds).
# Tolerance, in code values of the 8-bit output: exact statistics (the default) give the
# untiled output up to float rounding, so at most 1 code (a value on a .5 boundary) and a
# mean difference below 0.01 codes; measured on lavapipe: max 1, mean < 4e-5.
set -u
VRGEN=${VRGEN:?path to the vrgen binary}
. "$(dirname "$0")/lib.sh"
t_setup tiles ffmpeg ffprobe
# worst |a - b| over every frame and plane, and the largest per-frame mean
diffstats() {
    ffmpeg -v error -i "$1" -i "$2" -lavfi "[0:v][1:v]blend=all_mode=difference,signalstats,metadata=print:file=-" -f null - 2>&1 \
      | awk -F= '/(Y|U|V)MAX=/ { if ($2 > mx) mx = $2 } /(Y|U|V)AVG=/ { if ($2 + 0 > av) av = $2 + 0 } END { printf "%d %.6f\n", mx, av }'
}
within() { # NAME A B: max <= 1 code, mean < 0.01 codes
    local s; s=$(diffstats "$2" "$3"); set -- "$1" $s
    [ -n "${2:-}" ] && [ "$2" -le 1 ] && awk "BEGIN { exit !($3 < 0.01) }" && ok "$1 (max diff $2, mean $3)" || bad "$1 (max diff '${2:-}', mean '${3:-}')"
}

gen -f lavfi -i testsrc2=s=96x64:r=10:d=1 -c:v libx264 -pix_fmt yuv420p train.mp4 || { echo "cannot make test clips"; exit 1; }
"$VRGEN" train -q --style train.mp4 --content train.mp4 -o model.safetensors --ae-steps 2 --steps 1 --size 32 --batch 1 --width 4 --blocks 1 --dwidth 4 --progress none \
  || { echo "FAIL: cannot train the test model"; exit 1; }
S() { "$VRGEN" stylize -m model.safetensors --progress none -c:v ffv1 "$@"; }
gen -f lavfi -i testsrc2=s=640x360:r=5:d=0.4 -c:v ffv1 -pix_fmt yuv420p clip.mkv

# flat: a 640x360 frame needs 15.8M of activations untiled; 3M makes a grid of 20 tiles
S clip.mkv -o full.mkv || bad "untiled run"
S clip.mkv --max-memory 3M -v -o tiled.mkv 2>log.txt && grep -q "tiles of" log.txt && ok "3M budget tiles the frame ($(grep -o '[0-9]* tiles of [0-9x]*' log.txt))" || bad "tiled run: $(tail -2 log.txt)"
within "tiled = untiled" full.mkv tiled.mkv
n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 tiled.mkv)
[ "$n" = 2 ] && ok "tiled: every frame written" || bad "tiled frame count ($n)"

# 360: tiles wrap around the edges; the output still equals the untiled one, and moving
# the input's seam by half the width moves the output the same way
S clip.mkv --layout 360 -o full360.mkv && S clip.mkv --layout 360 --max-memory 5M -o tiled360.mkv || bad "360 runs"
within "360 tiled = untiled" full360.mkv tiled360.mkv
half() { gen -i "$1" -lavfi "[0]split[a][b];[a]crop=320:360:0:0[l];[b]crop=320:360:320:0[r];[r][l]hstack" -c:v ffv1 -pix_fmt yuv420p "$2"; }
half clip.mkv shift.mkv && S shift.mkv --layout 360 --max-memory 5M -o tiled360_shift.mkv && half tiled360.mkv want_shift.mkv
s=$(diffstats tiled360_shift.mkv want_shift.mkv); set -- $s
[ -n "${1:-}" ] && [ "$1" -le 2 ] && ok "360 tiled: no seam where the edges join (max diff $1)" || bad "360 tiled seam (max diff '${1:-}')"

# stereo side by side: each eye tiled with its own statistics
gen -f lavfi -i testsrc2=s=320x180:r=5:d=0.4 -f lavfi -i mandelbrot=s=320x180:r=5 -lavfi "[0][1]hstack=shortest=1" -frames:v 2 -c:v ffv1 -pix_fmt yuv420p pair.mkv
S pair.mkv --stereo sbs -o pair_full.mkv && S pair.mkv --stereo sbs --max-memory 2M -o pair_tiled.mkv || bad "stereo runs"
within "stereo sbs tiled = untiled" pair_full.mkv pair_tiled.mkv

# PNG output
S clip.mkv --frames 1 -o png_full/%03d.png && S clip.mkv --frames 1 --max-memory 5M -o png_tiled/%03d.png || bad "PNG runs"
within "PNG tiled = untiled" png_full/001.png png_tiled/001.png

# estimated statistics: faster, approximate (this untrained model is sensitive to them)
S clip.mkv --max-memory 5M --tile-stats estimate -o est.mkv && [ -s est.mkv ] && ok "--tile-stats estimate runs ($(diffstats full.mkv est.mkv | cut -d' ' -f1) codes max from untiled)" || bad "--tile-stats estimate"

# bad values: usage error (exit 2) naming the option, nothing at the output path
for v in abc -5 1.5X; do
    S clip.mkv --max-memory "$v" -o bad.mkv 2>err.txt; st=$?
    [ $st = 2 ] && grep -q -- "--max-memory" err.txt && [ ! -e bad.mkv ] && ok "--max-memory $v: usage error" || bad "--max-memory $v (exit $st: $(head -c 200 err.txt))"
done
S clip.mkv --max-memory 1K -o bad.mkv 2>err.txt; st=$?
[ $st = 2 ] && grep -q "too small.*use --max-memory [0-9.]*[KMG]" err.txt && [ ! -e bad.mkv ] && ok "--max-memory 1K: too small, says what fits" || bad "--max-memory 1K (exit $st: $(head -c 300 err.txt))"
S clip.mkv --tile-stats maybe -o bad.mkv 2>err.txt; st=$?
[ $st = 2 ] && [ ! -e bad.mkv ] && ok "--tile-stats maybe: usage error" || bad "--tile-stats maybe (exit $st)"
exit $fail
