#!/usr/bin/env bash
# test_stylize.sh - vrgen stylize end to end on clips generated with ffmpeg's lavfi
# sources: timestamps, frame count and duration kept; audio copied bit for bit; odd sizes,
# 10-bit, rotation, VFR, PNG sequences and --resume, -ss/-t, overwrite rules, SIGINT, bad
# inputs (clear message, exit status, nothing at the output path), the real clips in
# ../shared/media when present. A small model is trained first (seconds).
set -u
VRGEN=${VRGEN:?path to the vrgen binary}
. "$(dirname "$0")/lib.sh"
t_setup stylize ffmpeg ffprobe
probe() { ffprobe -v error -select_streams "$2" -show_entries "$3" -of csv=p=0 "$1"; }

gen -f lavfi -i testsrc2=s=96x64:r=10:d=2 -f lavfi -i sine=f=440:d=2 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest clip.mp4 || { echo "cannot make test clips"; exit 1; }
"$VRGEN" train -q --style clip.mp4 --content clip.mp4 -o model.safetensors --ae-steps 2 --steps 1 --size 32 --batch 1 --width 4 --blocks 1 --dwidth 4 --progress none \
  || { echo "FAIL: cannot train the test model"; exit 1; }
S() { "$VRGEN" stylize -m model.safetensors --progress none "$@"; }

# frame count, timestamps, duration, audio bit-identical
S clip.mp4 -o out.mp4 || bad "basic run"
[ "$(probe out.mp4 v:0 stream=nb_frames)" = "$(probe clip.mp4 v:0 stream=nb_frames)" ] && ok "frame count" || bad "frame count"
[ "$(probe out.mp4 v:0 frame=pts_time | md5sum)" = "$(probe clip.mp4 v:0 frame=pts_time | md5sum)" ] && ok "frame timestamps" || bad "frame timestamps"
a=$(ffmpeg -v error -i clip.mp4 -map 0:a -c copy -f md5 -); b=$(ffmpeg -v error -i out.mp4 -map 0:a -c copy -f md5 -)
[ -n "$a" ] && [ "$a" = "$b" ] && ok "audio copied bit for bit" || bad "audio copy ($a vs $b)"

# without -m: the embedded default model (samples/default.safetensors), a real style
"$VRGEN" stylize --progress none clip.mp4 -o default.mp4 2>err.txt && [ "$(probe default.mp4 v:0 stream=nb_frames)" = "$(probe clip.mp4 v:0 stream=nb_frames)" ] \
  && ok "embedded default model" || bad "embedded default model: $(cat err.txt)"
d=$(ffmpeg -v error -i clip.mp4 -i default.mp4 -filter_complex "[0:v][1:v]blend=all_mode=difference,signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-" -f null - | awk -F= '/YAVG/ {s+=$2; n++} END {print (n ? s/n : 0)}')
python3 -c "import sys; sys.exit(0 if $d > 3 else 1)" && ok "default model changes the picture (mean luma difference $d)" || bad "default model output equals its input (mean luma difference $d)"

# overwrite rules
cp out.mp4 keep.mp4
S clip.mp4 -o out.mp4 2>err.txt; st=$?
[ $st = 4 ] && grep -q "already exists" err.txt && cmp -s out.mp4 keep.mp4 && ok "no overwrite without -y" || bad "overwrite refusal (exit $st)"
S clip.mp4 -o out.mp4 -n 2>/dev/null; [ $? = 4 ] && ok "-n never overwrites" || bad "-n"
S clip.mp4 -o out.mp4 -y && ok "-y overwrites" || bad "-y"
ls -a | grep -q '\.vrgen-' && bad "temporary files left" || ok "no temporary files left"

# odd size, 10-bit, rotation, VFR, containers
gen -f lavfi -i testsrc2=s=320x180:r=5:d=1 -vf scale=321:179 -c:v ffv1 -pix_fmt yuv420p odd.mkv
S odd.mkv -c:v ffv1 -o odd_out.mkv && [ "$(probe odd_out.mkv v:0 stream=width,height)" = "321,179" ] && ok "odd size 321x179" || bad "odd size"
S odd.mkv -o odd_out.mp4 2>err.txt; st=$?
[ $st != 0 ] && grep -q "width not divisible by 2\|refused" err.txt && [ ! -e odd_out.mp4 ] && ok "odd 4:2:0 into x264: clear refusal" || bad "odd size into x264 (exit $st)"
gen -f lavfi -i testsrc2=s=64x48:r=5:d=1 -c:v ffv1 -pix_fmt yuv420p10le ten.mkv
S ten.mkv -o ten_out.mkv -c:v libx265 -preset ultrafast && [ "$(probe ten_out.mkv v:0 stream=pix_fmt)" = "yuv420p10le" ] && ok "10-bit in, 10-bit out" || bad "10-bit"
gen -f lavfi -i testsrc2=s=64x48:r=5:d=1 -c:v libx264 plain.mp4
ffmpeg -v error -y -i plain.mp4 -c copy -metadata:s:v:0 rotate=90 rot.mp4
S rot.mp4 -o rot_out.mp4 && [ "$(probe rot_out.mp4 v:0 stream=width,height)" = "48,64" ] && ok "rotation: upright output" || bad "rotation ($(probe rot_out.mp4 v:0 stream=width,height))"
gen -f lavfi -i testsrc2=s=64x48:r=25:d=2 -vf "select='not(mod(n\,3))+not(mod(n\,5))'" -fps_mode vfr -c:v libx264 vfr.mkv
S vfr.mkv -o vfr_out.mkv && [ "$(probe vfr_out.mkv v:0 frame=pts_time | md5sum)" = "$(probe vfr.mkv v:0 frame=pts_time | md5sum)" ] && ok "VFR timestamps kept" || bad "VFR"
S clip.mp4 -o clip.webm && [ "$(probe clip.webm v:0 stream=codec_name)" = "vp9" ] && ok "webm gets vp9" || bad "webm"

# colour round trip: frames through the colour conversion and back (no network) come out
# within 1 code value, for every matrix, range and subsampling; tags carried over
maxdiff() { ffmpeg -v error -i "$1" -i "$2" -lavfi "[0:v][1:v]blend=all_mode=difference,signalstats,metadata=print:file=-" -f null - 2>&1 \
            | grep -oE '(Y|U|V)MAX=[0-9]+' | cut -d= -f2 | sort -n | tail -1; }
rt() { # NAME PIX_FMT EXTRA_FFMPEG_ARGS...
    local name=$1 pf=$2; shift 2
    gen -f lavfi -i testsrc2=s=96x64:r=5:d=1 -c:v ffv1 -pix_fmt "$pf" "$@" "rt_$name.mkv"
    "$VRGEN" stylize --identity --progress none -q "rt_$name.mkv" -c:v ffv1 -o "rt_${name}_out.mkv" || { bad "colour round trip $name: run"; return; }
    local d; d=$(maxdiff "rt_$name.mkv" "rt_${name}_out.mkv")
    local t1 t2; t1=$(probe "rt_$name.mkv" v:0 stream=pix_fmt,color_range,color_space); t2=$(probe "rt_${name}_out.mkv" v:0 stream=pix_fmt,color_range,color_space)
    [ -n "$d" ] && [ "$d" -le 1 ] && [ "$t1" = "$t2" ] && ok "colour round trip $name (max diff $d, tags $t2)" || bad "colour round trip $name (max diff '$d', tags $t1 -> $t2)"
}
rt bt601-untagged yuv420p
rt bt709-tv yuv420p -color_range tv -colorspace bt709 -color_primaries bt709 -color_trc bt709
rt bt601-pc yuv420p -color_range pc -colorspace bt470bg
rt bt2020-10bit yuv420p10le -color_range tv -colorspace bt2020nc -color_primaries bt2020 -color_trc smpte2084
rt 422-bt709 yuv422p -colorspace bt709
rt 444-bt709-pc yuv444p -colorspace bt709 -color_range pc
gen -f lavfi -i testsrc2=s=96x64:r=5:d=1 -c:v ffv1 -pix_fmt gbrp rt_rgb.mkv
"$VRGEN" stylize --identity --progress none -q rt_rgb.mkv -c:v ffv1 -o rt_rgb_out.mkv && \
  [ "$(ffmpeg -v error -i rt_rgb.mkv -f framemd5 - | tail -3)" = "$(ffmpeg -v error -i rt_rgb_out.mkv -f framemd5 - | tail -3)" ] \
  && ok "colour round trip rgb (exact)" || bad "colour round trip rgb"

# stereo: each eye is stylized as its own image with the same weights, so an sbs frame
# [A|B] gives [stylize(A)|stylize(B)]; top-bottom likewise
gen -f lavfi -i testsrc2=s=64x48:r=5:d=1 -c:v ffv1 -pix_fmt yuv444p eyeA.mkv
gen -f lavfi -i mandelbrot=s=64x48:r=5 -frames:v 5 -c:v ffv1 -pix_fmt yuv444p eyeB.mkv
gen -i eyeA.mkv -i eyeB.mkv -lavfi "[0][1]hstack" -c:v ffv1 -pix_fmt yuv444p pair_sbs.mkv
gen -i eyeA.mkv -i eyeB.mkv -lavfi "[0][1]vstack" -c:v ffv1 -pix_fmt yuv444p pair_tb.mkv
S eyeA.mkv -c:v ffv1 -o outA.mkv && S eyeB.mkv -c:v ffv1 -o outB.mkv
gen -i outA.mkv -i outB.mkv -lavfi "[0][1]hstack" -c:v ffv1 -pix_fmt yuv444p want_sbs.mkv
gen -i outA.mkv -i outB.mkv -lavfi "[0][1]vstack" -c:v ffv1 -pix_fmt yuv444p want_tb.mkv
S pair_sbs.mkv --stereo sbs -c:v ffv1 -o got_sbs.mkv && d=$(maxdiff got_sbs.mkv want_sbs.mkv) && [ "$d" -le 1 ] && ok "stereo sbs: eyes stylized separately (max diff $d)" || bad "stereo sbs (max diff '$d')"
S pair_tb.mkv --stereo tb -c:v ffv1 -o got_tb.mkv && d=$(maxdiff got_tb.mkv want_tb.mkv) && [ "$d" -le 1 ] && ok "stereo tb: eyes stylized separately (max diff $d)" || bad "stereo tb (max diff '$d')"
S pair_sbs.mkv --stereo mono -c:v ffv1 -o mono_sbs.mkv && d=$(maxdiff mono_sbs.mkv want_sbs.mkv) && [ "$d" -gt 1 ] && ok "mono differs from sbs (the check can fail: $d)" || bad "mono vs sbs indistinguishable"
cp pair_sbs.mkv named_sbs.mkv; S named_sbs.mkv -c:v ffv1 -o named_out.mkv && d=$(maxdiff named_out.mkv want_sbs.mkv) && [ "$d" -le 1 ] && ok "stereo detected from the name _sbs" || bad "name hint _sbs"

# 360: circular padding along x joins the left and right edges: shifting the input by half
# its width shifts the output the same way (up to rounding); with flat padding it does not
half() { gen -i "$1" -lavfi "[0]split[a][b];[a]crop=32:48:0:0[l];[b]crop=32:48:32:0[r];[r][l]hstack" -c:v ffv1 -pix_fmt yuv444p "$2"; }
half eyeA.mkv eyeA_shift.mkv
S eyeA.mkv --layout 360 -c:v ffv1 -o o360.mkv && S eyeA_shift.mkv --layout 360 -c:v ffv1 -o o360_shift.mkv && half o360.mkv o360_want.mkv
d=$(maxdiff o360_shift.mkv o360_want.mkv); [ -n "$d" ] && [ "$d" -le 2 ] && ok "360: no seam, edges join (max diff $d)" || bad "360 seam (max diff '$d')"
S eyeA_shift.mkv -c:v ffv1 -o flat_shift.mkv && S eyeA.mkv -c:v ffv1 -o flat.mkv && half flat.mkv flat_want.mkv
d=$(maxdiff flat_shift.mkv flat_want.mkv); [ -n "$d" ] && [ "$d" -gt 2 ] && ok "flat padding does show the seam (the 360 check can fail: $d)" || bad "flat vs 360 indistinguishable"

# ranges and PNG sequences
S clip.mp4 -ss 0.5 -t 1 -o part.mp4 && [ "$(probe part.mp4 v:0 stream=nb_frames)" = "10" ] && ok "-ss/-t range" || bad "-ss/-t ($(probe part.mp4 v:0 stream=nb_frames))"
S clip.mp4 --frames 7 -o seq/%03d.png && [ "$(ls seq | wc -l)" = 7 ] && [ -f seq/007.png ] && ok "PNG sequence" || bad "PNG sequence"
S clip.mp4 -o seq/%03d.png 2>/dev/null; [ $? = 4 ] && ok "PNG sequence not overwritten" || bad "PNG overwrite refusal"
head -c 100 seq/007.png > seq/007.tmp && mv seq/007.tmp seq/007.png   # a torn last frame
S clip.mp4 --resume -o seq/%03d.png && [ "$(ls seq | wc -l)" = 20 ] && [ "$(ffprobe -v error -show_entries stream=width -of csv=p=0 seq/007.png)" = 96 ] && ok "--resume completes the sequence" || bad "--resume"

# SIGINT mid-run: a playable file up to where it got, exit 130
gen -f lavfi -i testsrc2=s=160x120:r=25:d=60 -c:v libx264 long.mp4
"$VRGEN" stylize -m model.safetensors --progress json long.mp4 -o int.mp4 2>int.json & pid=$!
wait_done int.json 10; kill -INT $pid; wait $pid; st=$?
n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 int.mp4 2>/dev/null)
[ $st = 130 ] && [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt 1500 ] && ok "SIGINT: playable file with $n frames, exit 130" || bad "SIGINT (exit $st, frames '$n')"

# bad inputs: exit status, message naming the input, nothing at the output path
check_bad() { # NAME INPUT STATUS PATTERN
    S "$2" -o badout.mp4 2>err.txt; st=$?
    if [ $st = "$3" ] && grep -qE -- "$4" err.txt && [ ! -e badout.mp4 ]; then ok "bad input: $1"; else bad "bad input: $1 (exit $st: $(head -c 200 err.txt))"; fi
    rm -f badout.mp4
}
check_bad missing nosuch.mp4 3 "nosuch.mp4"
: > empty.mp4; check_bad empty empty.mp4 3 "empty.mp4"
echo "hello, not a video" > text.mp4; check_bad text text.mp4 3 "text.mp4"
head -c 20000 long.mp4 > trunc.mp4; check_bad truncated trunc.mp4 3 "trunc.mp4"
gen -f lavfi -i sine=d=1 audio.wav; check_bad "no video" audio.wav 3 "audio.wav.*no video"
S clip.mp4 -o /nonexistent/dir/out.mp4 2>err.txt; st=$?
[ $st = 4 ] && grep -q "/nonexistent/dir" err.txt && ok "output folder missing" || bad "output folder missing (exit $st)"
S clip.mp4 -o out.xyz 2>err.txt; st=$?
[ $st != 0 ] && [ ! -e out.xyz ] && ok "unknown container refused" || bad "unknown container (exit $st)"
S -m nosuch.safetensors clip.mp4 -o m.mp4 2>err.txt; st=$?
[ $st = 3 ] && grep -q nosuch.safetensors err.txt && [ ! -e m.mp4 ] && ok "missing model" || bad "missing model (exit $st)"

# the real clips in ../shared/media
MEDIA=${VRGEN_MEDIA:-}
if [ -n "$MEDIA" ] && [ -f "$MEDIA/tree.avi" ]; then
    # with the default (embedded) model: every frame of the range out, the input's
    # duration, and a picture (luma spread over a middle frame, not a flat field)
    frames_of() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$@"; }
    for c in "tree.avi:" "vtest.avi:-t 10"; do
        f=${c%%:*} range=${c#*:}
        # shellcheck disable=SC2086
        "$VRGEN" stylize -q --progress none "$MEDIA/$f" $range -o "media_$f.mkv"; st=$?
        # shellcheck disable=SC2086
        ffmpeg -v error -y $range -i "$MEDIA/$f" -an -c:v ffv1 "ref_$f.mkv"
        want=$(frames_of "ref_$f.mkv") got=$(frames_of "media_$f.mkv" 2>/dev/null)
        dw=$(probe "ref_$f.mkv" v:0 format=duration) dg=$(probe "media_$f.mkv" v:0 format=duration 2>/dev/null)
        spread=$(ffprobe -v error -f lavfi -i "movie=media_$f.mkv,signalstats" \
          -show_entries frame_tags=lavfi.signalstats.YMIN,lavfi.signalstats.YMAX -of csv=p=0 2>/dev/null |
          sed -n "$((want / 2))p" | awk -F, '{ print $2 - $1 }')
        if [ $st = 0 ] && [ "$got" = "$want" ] && [ "${spread:-0}" -gt 60 ] &&
          awk -v a="$dw" -v b="$dg" 'BEGIN { exit !(a - b < 0.2 && b - a < 0.2) }'; then
            ok "real clip $f: $got frames as ffmpeg decodes them, ${dg}s, luma spread $spread"
        else
            bad "real clip $f (exit $st, frames $got of $want, duration $dg of $dw, luma spread '$spread')"
        fi
    done
else
    echo "skip: real clips (../shared/media absent)"
fi
exit $fail
