#!/usr/bin/env bash
# test_view_audio.sh - vrgen view's sound, with no sound card: ALSA's "default" device is
# pointed (ALSA_CONFIG_PATH) at the file plugin, which writes every sample vrgen plays to a
# raw file, over the null device. Runs the headset frame loop offscreen (--rate) and
# checks that the audio is the clip's, in step with the picture (a tone that starts at
# 1.0 s starts 1.0 s into what was played; the samples written keep within 0.1 s of the
# video time shown), that it follows a loop, that with no device the viewer says so once
# and plays on, and that --no-audio plays nothing.
set -u
: "${VRGEN:?VRGEN must point at the vrgen binary}"
. "$(dirname "$0")/lib.sh"
t_setup audio

# 2 s of video; the audio is silent for 1 s, then a 440 Hz tone (mono, 48 kHz, AAC)
ffmpeg -v error -f lavfi -i testsrc2=s=160x120:r=30:d=2 \
  -f lavfi -i "aevalsrc='if(gte(t,1),0.5*sin(2*PI*440*t),0)':s=48000:d=2" \
  -c:v libx264 -pix_fmt yuv420p -c:a aac clip.mp4 || { echo "SKIP: ffmpeg cannot make the clip"; exit 77; }
cat >file.conf <<EOF
pcm.!default {
    type file
    slave.pcm { type null }
    file "$T/played.raw"
    format "raw"
}
EOF
cat >nocard.conf <<'EOF'
pcm.!default { type hw; card 99 }
EOF

run() { # CONF LOG [vrgen view options]
  local conf=$1 log=$2
  shift 2
  ALSA_CONFIG_PATH=$T/$conf "$VRGEN" view clip.mp4 --offscreen --rate 30 --eye-size 32x32 \
    --xr-log "$log" "$@" >/dev/null
}

run file.conf play.jsonl --frames 60 2>err.txt || bad "play run: $(cat err.txt)"
if grep -q "without ALSA" err.txt; then
  echo "SKIP: this vrgen was built without ALSA (libasound2-dev)"
  exit 77
fi
[ -s played.raw ] || bad "nothing was played"
/usr/bin/python3 - played.raw play.jsonl <<'PY' && ok "the clip's audio, in step with the picture" || bad "audio and picture"
import array, json, sys
a = array.array("h", open(sys.argv[1], "rb").read())  # mono S16 at 48 kHz
secs = len(a) / 48000
onset = next(i for i, v in enumerate(a) if abs(v) > 3000) / 48000
f = [json.loads(l) for l in open(sys.argv[2]) if '"frame"' in l]
lead = [x["audio_samples"] / 48000 - x["video_time"] for x in f if x["video_time"] > 0.1]
print("  played %.3f s, tone at %.3f s, audio ahead of the picture by %.3f..%.3f s"
      % (secs, onset, min(lead), max(lead)))
assert 1.9 <= secs <= 2.1, secs
assert abs(onset - 1.0) <= 0.03, onset
assert -0.05 <= min(lead) and max(lead) <= 0.1, lead
PY

rm -f played.raw
run file.conf loop.jsonl --frames 150 --loop 2>err.txt || bad "loop run: $(cat err.txt)"
/usr/bin/python3 - played.raw <<'PY' && ok "--loop: the tone again at every pass" || bad "audio with --loop"
import array, sys
a = array.array("h", open(sys.argv[1], "rb").read())
loud = [abs(v) > 3000 for v in a]
on, prev, last = [], False, -10**9
for i, l in enumerate(loud):  # rising edges more than 0.1 s after the last loud sample
    if l and i - last > 4800:
        on.append(i / 48000)
    if l:
        last = i
print("  tone onsets at", ["%.3f" % t for t in on])
assert len(on) == 3 and all(abs(t - e) <= 0.05 for t, e in zip(on, (1, 3, 5))), on
PY

run nocard.conf nocard.jsonl --frames 30 2>err.txt; rc=$?
[ $rc -eq 0 ] && [ "$(grep -c "no audio output" err.txt)" -eq 1 ] && [ "$(grep -c . err.txt)" -eq 1 ] \
  && ok "no audio device: said once, played on ($(cat err.txt))" || bad "no device: exit $rc, $(cat err.txt)"

rm -f played.raw
run file.conf quiet.jsonl --frames 30 --no-audio 2>err.txt && [ ! -e played.raw ] && ! grep -q . err.txt \
  && ok "--no-audio: the device is never opened" || bad "--no-audio: $(cat err.txt)"
exit $fail
