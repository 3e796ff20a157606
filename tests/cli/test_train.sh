#!/usr/bin/env bash
# test_train.sh - vrgen train on generated content with small networks: the autoencoder
# learns to reconstruct, a short GAN run moves outputs toward the style while edges are
# kept, the same seed gives the same model, an interrupted and resumed run matches an
# uninterrupted one, and bad style/content inputs give clear errors.
set -u
VRGEN=${VRGEN:?path to the vrgen binary}
. "$(dirname "$0")/lib.sh"
t_setup train ffmpeg

gen -f lavfi -i testsrc2=s=128x96:r=10:d=4 -c:v libx264 -pix_fmt yuv420p content.mp4
gen -f lavfi -i "mandelbrot=s=160x160" -frames:v 1 style.png
SMALL=(--size 32 --batch 2 --width 8 --blocks 1 --dwidth 8 --progress none -q --checkpoint-every 0 --preview-every 0)

# autoencoder: the reconstruction loss falls below 0.2 within 80 steps
"$VRGEN" train --style style.png --content content.mp4 -o ae.safetensors --ae-steps 80 --steps 0 "${SMALL[@]}" || bad "autoencoder run"
# (means of the first and last 5 steps: a batch is only 4 crops)
first=$(python3 -c "import csv; r=list(csv.DictReader(open('ae.train.csv'))); print(sum(float(x['ae_l1']) for x in r[:5])/5)")
last=$(python3 -c "import csv; r=list(csv.DictReader(open('ae.train.csv'))); print(sum(float(x['ae_l1']) for x in r[-5:])/5)")
python3 -c "import sys; sys.exit(0 if $last < 0.35 and $last < 0.5 * $first else 1)" && ok "autoencoder L1 $first -> $last (< 0.35 and halved in 80 steps)" || bad "autoencoder L1 $first -> $last"

# a short GAN run moves the output toward the style; edges stay. Weights for this tiny
# network (width 8, one block, 32-pixel crops, 60 steps): the defaults are tuned for the
# default network and hold a run this short near its start (docs/training.md)
GAN=(--style style.png --content content.mp4 --ae-steps 80 --steps 60 --w-style 10 --w-colour 1
     --w-adv 1 --lr-d 1e-4 --w-temporal 1 --w-tv 0.1 "${SMALL[@]}")
"$VRGEN" train "${GAN[@]}" -o gan.safetensors || bad "GAN run"
e0=$("$VRGEN" eval ae.safetensors content.mp4 --style style.png --side 96 --json -q)
e1=$("$VRGEN" eval gan.safetensors content.mp4 --style style.png --side 96 --json -q)
g0=$(echo "$e0" | python3 -c "import json,sys; print(json.load(sys.stdin)['gram_ratio'])")
g1=$(echo "$e1" | python3 -c "import json,sys; print(json.load(sys.stdin)['gram_ratio'])")
c1=$(echo "$e1" | python3 -c "import json,sys; print(json.load(sys.stdin)['edge_corr'])")
python3 -c "import sys; sys.exit(0 if $g1 < $g0 else 1)" && ok "style distance falls: $g0 -> $g1" || bad "style distance $g0 -> $g1"
python3 -c "import sys; sys.exit(0 if $c1 > 0.3 else 1)" && ok "edge correlation stays: $c1 > 0.3" || bad "edge correlation $c1"

# same seed, same model (bit for bit)
"$VRGEN" train "${GAN[@]}" -o gan2.safetensors
cmp -s gan.safetensors gan2.safetensors && ok "same seed gives the same model" || bad "same seed differs"
"$VRGEN" train "${GAN[@]}" -o gan3.safetensors --seed 7
cmp -s gan.safetensors gan3.safetensors && bad "another seed gives the same model" || ok "another seed differs"

# interrupted and resumed = uninterrupted (VRGEN_TRAIN_STOP_AFTER stops as an interruption
# would, at a known step; a real SIGINT is checked below)
RES=(--style style.png --content content.mp4 --ae-steps 40 --steps 40 --size 32 --batch 2 --width 8 --blocks 1 --dwidth 8 --progress none -q --checkpoint-every 0 --preview-every 0)
VRGEN_TRAIN_STOP_AFTER=55 "$VRGEN" train "${RES[@]}" -o res.safetensors 2>/dev/null; st=$?
if [ $st = 130 ] && [ -f res.safetensors.ckpt ] && [ ! -f res.safetensors ]; then
    "$VRGEN" train "${RES[@]}" -o res.safetensors --resume && "$VRGEN" train "${RES[@]}" -o full.safetensors \
      && cmp -s res.safetensors full.safetensors && ok "interrupted + resumed run matches an uninterrupted one" \
      || bad "resume does not match"
else
    bad "interruption (exit $st; files $(ls res.safetensors* 2>/dev/null))"
fi
"$VRGEN" train "${RES[@]}" --steps 100000 --progress json -o sig.safetensors 2>sig.json & pid=$!
wait_done sig.json 50; kill -INT $pid; wait $pid; st=$?
[ $st = 130 ] && [ -f sig.safetensors.ckpt ] && [ ! -f sig.safetensors ] && ok "SIGINT keeps a checkpoint, no model at the output" || bad "SIGINT (exit $st)"

# bad inputs
check() { # NAME STATUS PATTERN -- args
    local name=$1 want=$2 pat=$3; shift 4
    "$VRGEN" train "$@" -o bad.safetensors "${SMALL[@]}" --ae-steps 1 --steps 0 2>err.txt; local st=$?
    if [ $st = "$want" ] && grep -qE -- "$pat" err.txt && [ ! -e bad.safetensors ]; then ok "bad input: $name"; else bad "bad input: $name (exit $st: $(head -c 200 err.txt))"; fi
}
echo "not an image" > notimage.png
gen -f lavfi -i color=c=red:s=2x2 -frames:v 1 -vf scale=1:1 tiny.png
gen -f lavfi -i sine=d=1 audio.mka
check "missing style" 3 "nostyle.png" -- --style nostyle.png --content content.mp4
check "style not an image" 3 "notimage.png" -- --style notimage.png --content content.mp4
check "1x1 style" 3 "tiny.png.*too small" -- --style tiny.png --content content.mp4
check "missing content" 3 "nocontent.mp4" -- --style style.png --content nocontent.mp4
check "content without video" 3 "audio.mka" -- --style style.png --content audio.mka
check "no style given" 2 "no style" -- --content content.mp4
exit $fail
