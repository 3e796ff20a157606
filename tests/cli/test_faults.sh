#!/usr/bin/env bash
# test_faults.sh - the fault matrix of docs/hardening.md: injected failures (VRGEN_FAULT:
# device memory, device lost, read errors), a full disk (a small tmpfs), SIGKILL and SIGINT
# at several points of stylize and train. Every case: the documented exit status, a message
# naming the problem, nothing corrupt at the final path, no temporary file left behind, and
# a state the next run continues from (--resume, or a rerun that cleans up).
set -u
VRGEN=${VRGEN:?path to the vrgen binary}
. "$(dirname "$0")/lib.sh"
t_setup faults ffmpeg ffprobe
MNT=""
cleanup() { [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
frames() { ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1" 2>/dev/null; }
# playable: ffmpeg decodes every frame without a single error line
playable() { [ -f "$1" ] && [ -z "$(ffmpeg -v error -i "$1" -f null - 2>&1)" ]; }
temps() { find "${1:-.}" -name '.*.vrgen-*' | wc -l; }

gen -f lavfi -i testsrc2=s=64x48:r=25:d=40 -c:v libx264 -pix_fmt yuv420p -g 25 -movflags +faststart clip.mp4 || { echo "cannot make test clips"; exit 1; }
# the signal cases: long enough (6000 frames, several seconds) that a run is always still
# going when its signal comes, however fast the machine (clip.mp4 takes 0.5 s here)
gen -f lavfi -i testsrc2=s=64x48:r=25:d=240 -c:v libx264 -pix_fmt yuv420p -g 25 long.mp4
gen -f lavfi -i testsrc2=s=64x48:r=25:d=0.4 -c:v libx264 -pix_fmt yuv420p short.mp4
gen -f lavfi -i testsrc2=s=320x240:r=25:d=0.4 -c:v libx264 -pix_fmt yuv420p s320.mp4
"$VRGEN" train -q --style short.mp4 --content short.mp4 -o model.safetensors --ae-steps 2 --steps 1 --size 32 --batch 1 --width 4 --blocks 1 --dwidth 4 --progress none \
  || { echo "FAIL: cannot train the test model"; exit 1; }
S() { "$VRGEN" stylize -m model.safetensors "$@"; }
SB() { exec "$VRGEN" stylize -m model.safetensors "$@"; } # for `SB ... & pid=$!`: $! is vrgen

# --- device memory: smaller tiles, or a clear message -------------------------------
# (the small model's 320x240 activations are 2.9 MB in one buffer, its frame buffers for
# tiling 2.3 MB, its smallest tiles ~1 MB)
VRGEN_FAULT=device-alloc@2500K S -v --progress none s320.mp4 -o tiled.mp4 2>err.txt; st=$?
[ $st = 0 ] && [ "$(frames tiled.mp4)" = 10 ] && grep -q "out of memory.*tiles" err.txt \
  && ok "device allocation failure: smaller tiles, all frames" || bad "device-alloc fallback (exit $st): $(tail -2 err.txt)"
VRGEN_FAULT=device-alloc@1M S --progress none s320.mp4 -o none.mp4 2>err.txt; st=$?
[ $st = 5 ] && grep -q "out of .* memory" err.txt && [ ! -e none.mp4 ] && [ "$(temps)" = 0 ] \
  && ok "device memory too small even for tiles: exit 5, says so, no output" || bad "device-alloc too small (exit $st): $(tail -2 err.txt)"

# --- device lost mid-job: clean error, the finished frames kept as NAME.partial.EXT ----
VRGEN_FAULT=device-lost@30 S --progress none clip.mp4 -o lost.mp4 2>err.txt; st=$?
n=$(frames lost.partial.mp4)
[ $st = 5 ] && grep -q "device lost" err.txt && grep -q "lost.partial.mp4" err.txt && [ ! -e lost.mp4 ] \
  && playable lost.partial.mp4 && [ -n "$n" ] && [ "$n" -ge 20 ] && [ "$n" -lt 30 ] && [ "$(temps)" = 0 ] \
  && ok "device lost: exit 5, $n finished frames in lost.partial.mp4 (playable), nothing at lost.mp4" || bad "device lost (exit $st, frames '$n'): $(tail -2 err.txt)"
VRGEN_FAULT=device-lost@12 S --progress none clip.mp4 -o lostseq/%04d.png 2>err.txt; st=$?
k=$(ls lostseq | wc -l)
[ $st = 5 ] && [ "$k" -ge 5 ] && [ "$k" -lt 12 ] && [ "$(temps lostseq)" = 0 ] && S --progress none --frames 20 --resume clip.mp4 -o lostseq/%04d.png 2>err.txt \
  && [ "$(ls lostseq | wc -l)" = 20 ] && ok "device lost in a PNG sequence: exit 5, $k frames kept, --resume completes" || bad "device lost, PNG (exit $st, $k frames)"
TRB() { exec "$VRGEN" train --style short.mp4 --content short.mp4 --size 32 --batch 1 --width 4 --blocks 1 --dwidth 4 --preview-every 0 --checkpoint-every 1 "$@"; }
TR() { "$VRGEN" train --style short.mp4 --content short.mp4 --ae-steps 3 --steps 3 --size 32 --batch 1 --width 4 --blocks 1 --dwidth 4 --preview-every 0 --checkpoint-every 1 "$@"; }
VRGEN_FAULT=device-lost@4 TR --progress none -o tl.safetensors 2>err.txt; st=$?
[ $st = 5 ] && grep -q "device lost" err.txt && [ ! -e tl.safetensors ] && [ -f tl.safetensors.ckpt ] && [ "$(temps)" = 0 ] \
  && TR --progress none --resume -o tl.safetensors 2>/dev/null && [ -f tl.safetensors ] \
  && ok "device lost in train: exit 5, no model, the checkpoint resumes" || bad "device lost, train (exit $st): $(tail -2 err.txt)"

# --- read error in the middle of the input --------------------------------------------
sz=$(stat -c %s clip.mp4)
VRGEN_FAULT=read@$((sz / 2)) S --progress none clip.mp4 -o rd.mp4 2>err.txt; st=$?
[ $st = 3 ] && grep -q "clip.mp4: read error at .*Input/output error" err.txt && [ ! -e rd.mp4 ] && playable rd.partial.mp4 && [ "$(temps)" = 0 ] \
  && ok "read error mid-input: exit 3, names the input and where, $(frames rd.partial.mp4) frames kept as partial" || bad "read error (exit $st): $(tail -2 err.txt)"
VRGEN_FAULT=read@100 S --progress none clip.mp4 -o rd0.mp4 2>err.txt; st=$?
[ $st = 3 ] && grep -q "clip.mp4: read error" err.txt && [ ! -e rd0.mp4 ] && [ ! -e rd0.partial.mp4 ] \
  && ok "read error while opening: exit 3, no output" || bad "read error at open (exit $st): $(tail -2 err.txt)"

# --- disk full: a 1 MiB tmpfs -----------------------------------------------------------
mkdir full
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m vrgen-test-full "$T/full" 2>/dev/null; then
  MNT="$T/full"
  gen -f lavfi -i testsrc2=s=320x240:r=25:d=4 -c:v libx264 -pix_fmt yuv420p big.mp4
  S --progress none big.mp4 -crf 0 -o full/out.mp4 2>err.txt; st=$?
  [ $st = 4 ] && grep -q "No space left on device" err.txt && [ -z "$(ls -A full)" ] \
    && ok "disk full, video: exit 4, says so, nothing left in the folder" || bad "disk full, video (exit $st): $(tail -2 err.txt; ls -A full)"
  S --progress none big.mp4 --png-bits 16 -o full/seq/%04d.png 2>err.txt; st=$?
  good=1; for f in full/seq/*.png; do [ -e "$f" ] || continue; ffprobe -v error "$f" >/dev/null 2>&1 || good=0; done
  [ $st = 4 ] && grep -q "No space left on device" err.txt && [ $good = 1 ] && [ "$(ls full/seq | wc -l)" -ge 1 ] && [ "$(temps full)" = 0 ] \
    && ok "disk full, PNG sequence: exit 4, $(ls full/seq | wc -l) whole frames, no torn file" || bad "disk full, PNG (exit $st, good $good): $(tail -2 err.txt)"
  rm -rf full/seq
  "$VRGEN" train --style short.mp4 --content short.mp4 --ae-steps 1 --steps 1 --size 32 --batch 1 --width 32 --blocks 4 --preview-every 0 --progress none -o full/m.safetensors 2>err.txt; st=$?
  [ $st = 4 ] && grep -q "No space left on device" err.txt && [ ! -e full/m.safetensors ] && [ "$(temps full)" = 0 ] \
    && ok "disk full, train: exit 4, no model, no temporary file" || bad "disk full, train (exit $st): $(tail -2 err.txt; ls -A full)"
  umount "$MNT" && MNT=""
else
  echo "skip disk-full cases: mounting a tmpfs needs root (uid $(id -u))"
fi

# --- SIGKILL: nothing at the final name; the next run cleans up or resumes ---------------
SB --progress json long.mp4 -o k.mp4 2>prog.txt & pid=$!
wait_done prog.txt 50; kill -KILL $pid; wait $pid 2>/dev/null
[ ! -e k.mp4 ] && [ "$(temps)" = 1 ] && ok "SIGKILL, video: nothing at k.mp4 (one stale temporary file)" || bad "SIGKILL video: $(ls -A)"
S --progress none --frames 10 clip.mp4 -o k.mp4 2>err.txt && [ "$(temps)" = 0 ] && grep -q "left by an interrupted run" err.txt \
  && ok "the next run to k.mp4 removes the killed run's temporary file" || bad "stale temporary file after rerun: $(cat err.txt)"
SB --progress json --frames 3000 long.mp4 -o kseq/%04d.png 2>prog.txt & pid=$!
wait_done prog.txt 60; kill -KILL $pid; wait $pid 2>/dev/null
good=1; for f in kseq/*.png; do ffprobe -v error "$f" >/dev/null 2>&1 || good=0; done
k=$(ls kseq | wc -l)
S --progress none --frames 3000 --resume long.mp4 -o kseq/%04d.png 2>/dev/null
[ $good = 1 ] && [ "$k" -lt 3000 ] && [ "$(ls kseq | wc -l)" = 3000 ] && [ "$(temps kseq)" = 0 ] \
  && ok "SIGKILL, PNG: $k whole frames, --resume completes all 3000" || bad "SIGKILL PNG (good $good, $k, then $(ls kseq | wc -l), temps $(temps kseq))"
TRB --ae-steps 200 --steps 200 --progress json -o tk.safetensors 2>prog.txt & pid=$!
wait_done prog.txt 5; kill -KILL $pid; wait $pid 2>/dev/null
[ ! -e tk.safetensors ] && [ -f tk.safetensors.ckpt ] && TR --ae-steps 200 --steps 200 --progress none --resume -o tk.safetensors 2>/dev/null \
  && [ -f tk.safetensors ] && [ "$(temps)" = 0 ] && ok "SIGKILL, train: no model, the checkpoint resumes to the end" || bad "SIGKILL train: $(ls -A)"

# --- SIGINT at several points: always a playable file at the final name, exit 130 --------
for at in 1 7 60 300; do
  rm -f int.mp4
  SB --progress json long.mp4 -o int.mp4 2>prog.txt & pid=$!
  wait_done prog.txt $at; kill -INT $pid; wait $pid; st=$?
  n=$(frames int.mp4)
  [ $st = 130 ] && playable int.mp4 && [ -n "$n" ] && [ "$n" -ge "$at" ] && [ "$n" -lt 6000 ] && [ "$(temps)" = 0 ] \
    && ok "SIGINT after frame $at: exit 130, playable, $n frames" || bad "SIGINT after frame $at (exit $st, frames '$n')"
done

exit $fail
