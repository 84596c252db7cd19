#!/usr/bin/env bash
# Real peers the test suite talks to, from Debian: Chromium (the web app's browser tests, driven
# by playwright-core; no browser is ever downloaded from elsewhere), baresip (a SIP phone for
# the telephony tests), linphonec (linphone-cli: a second, independent SIP implementation for
# the interoperability test) and Kamailio (the switch that forwards calls to voicemail with a
# Diversion header, and a trunk asserting callers' identities) and Kannel (bearerbox and smsbox:
# an independent SMPP implementation binding to our SMPP server as an application). Installed
# when missing; needs root (or sudo) for apt-get. The deny-all policy-rc.d below keeps the
# packages' daemons (Kamailio's, Kannel's) from starting: the tests start their own.
set -euo pipefail
declare -A need=([chromium]=chromium [baresip]=baresip-core [kamailio]=kamailio [linphonec]=linphone-cli [bearerbox]=kannel)
missing=()
for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}"); done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages for the tests' peers: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
policy=/usr/sbin/policy-rc.d created=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null; $sudo chmod +x "$policy"; created=1; fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$sudo apt-get install -y -qq ${missing[*]} >&2 || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq ${missing[*]} >&2; }
[ "$created" = 1 ] && $sudo rm -f "$policy"
true
