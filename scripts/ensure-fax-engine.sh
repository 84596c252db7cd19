#!/usr/bin/env bash
# The fax engine (docs/fax.md): spandsp's T.30 terminal in a small C helper process,
# native/fax/fax-engine.c compiled to native/fax/build/switchboard-fax (git-ignored). Installs
# the Debian packages it builds against when missing and compiles it when missing or older than
# its source, so that the README's two commands work on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."
src=native/fax/fax-engine.c
out=native/fax/build/switchboard-fax
missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists spandsp 2>/dev/null || missing+=(libspandsp-dev)
pkg-config --exists libtiff-4 2>/dev/null || missing+=(libtiff-dev)
if [ ${#missing[@]} -gt 0 ]; then
  packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  echo "installing Debian packages for the fax engine: $packages" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq $packages >&2 || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq $packages >&2; }
fi
[ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$0" ] && exit 0
echo "compiling the fax engine: $out" >&2
mkdir -p "$(dirname "$out")"
# Built beside and renamed into place: a server starting meanwhile never runs half a binary.
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -Werror -o "$out.tmp" "$src" $(pkg-config --cflags --libs spandsp libtiff-4)
mv -f "$out.tmp" "$out"
