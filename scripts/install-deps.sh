#!/usr/bin/env bash
# install-deps.sh - installs what vrgen needs to build and test, from Debian 12 packages.
# Idempotent: packages already present are skipped; quiet on success, loud on failure.
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --bench   also PyTorch (python3-torch) and GNU time for benchmarks
#   scripts/install-deps.sh --fuzz    also clang with libFuzzer and the sanitizer runtimes
#                                     (scripts/fuzz, docs/hardening.md)
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config
  glslc libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
  libpng-dev ffmpeg
  libopenxr-dev libasound2-dev
  python3 python3-numpy
)
for a in "$@"; do
  case "$a" in
    --bench) pkgs+=(python3-torch python3-numpy time) ;;
    --fuzz) pkgs+=(clang libclang-rt-dev python3) ;;
    *) echo "install-deps: unknown option $a" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
else
  SUDO=
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && \
       DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get failed installing: ${missing[*]}" >&2
  exit 1
fi
