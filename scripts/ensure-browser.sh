#!/usr/bin/env bash
# Debian's Chromium for the web app's browser tests (playwright-core drives it; no browser is
# ever downloaded from elsewhere). Installed when missing; needs root (or sudo) for apt-get.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "installing Debian package chromium for the browser tests" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
policy=/usr/sbin/policy-rc.d created=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null; $sudo chmod +x "$policy"; created=1; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -qq chromium >&2 || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq chromium >&2; }
[ "$created" = 1 ] && $sudo rm -f "$policy"
true
