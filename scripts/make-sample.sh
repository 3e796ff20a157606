#!/usr/bin/env bash
# make-sample.sh - rebuilds samples/sample.mp4, the demo clip of the README's quick start:
# a slow zoom over two photos that may be redistributed (coffee.png and chelsea.png from
# scikit-image, CC0) with a generated 220 Hz tone, 320x240, 24 fps, 5 s.
#   scripts/make-sample.sh [MEDIA_DIR]     (default ../shared/media)
set -euo pipefail
cd "$(dirname "$0")/.."
M=${1:-../shared/media}
ffmpeg -v error -y -loop 1 -t 2.5 -i "$M/coffee.png" -loop 1 -t 2.5 -i "$M/chelsea.png" \
  -f lavfi -i "sine=frequency=220:duration=5,volume=0.3" -filter_complex \
  "[0]scale=480:320,setsar=1,zoompan=z='1+0.0025*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=60:s=320x240:fps=24,trim=duration=2.5,setsar=1[a];\
[1]scale=480:320,setsar=1,zoompan=z='1.15-0.0025*on':x='(iw-iw/zoom)*on/60':y='ih/2-(ih/zoom/2)':d=60:s=320x240:fps=24,trim=duration=2.5,setsar=1[b];\
[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]" \
  -map "[v]" -map 2:a -c:v libx264 -crf 26 -preset slow -c:a aac -b:a 48k -movflags +faststart -shortest \
  samples/sample.mp4
