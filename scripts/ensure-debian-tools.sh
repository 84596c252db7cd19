#!/usr/bin/env bash
# The Debian tools the media converters run (docs/media.md), and swaks for the SMTP tests:
# installed when missing, so that
# the README's two commands work on a fresh Debian machine. Needs root (or sudo) for apt-get.
set -euo pipefail
declare -A need=(
  [ffmpeg]=ffmpeg [ffprobe]=ffmpeg [espeak-ng]=espeak-ng [sox]=sox [gs]=ghostscript
  [tiffinfo]=libtiff-tools [tiff2pdf]=libtiff-tools [tiffcp]=libtiff-tools
  [pocketsphinx_continuous]=pocketsphinx [tesseract]=tesseract-ocr
  [swaks]=swaks
)
missing=()
for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}"); done
[ -d /usr/share/pocketsphinx/model/en-us/en-us ] || missing+=(pocketsphinx-en-us)
[ -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata >/dev/null 2>&1 || missing+=(tesseract-ocr-eng)
[ ${#missing[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
echo "installing Debian packages for media conversion: $packages" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
# Keep any daemon a package might bring from starting while apt runs.
policy=/usr/sbin/policy-rc.d created=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null; $sudo chmod +x "$policy"; created=1; fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $packages >&2 || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq $packages >&2; }
[ "$created" = 1 ] && $sudo rm -f "$policy"
true
