#!/usr/bin/env bash
# Installs Debian's postfix for bench/smtp.ts (it brings smtp-source, the load generator, and the
# Postfix the benchmark compares against) when it is missing. Needs root (or sudo) for apt-get.
#
# The system's own Postfix must not start: a deny-all /usr/sbin/policy-rc.d (exit 101) is in
# place while apt runs, and any policy-rc.d that was there before is put back afterwards.
# debconf is told "No configuration", so the package writes no /etc/postfix/main.cf; the
# benchmark runs its own instance with its own config_directory.
set -euo pipefail
[ -x /usr/sbin/smtp-source ] && [ -x /usr/sbin/postfix ] && exit 0

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "installing the Debian package postfix (for smtp-source and the comparison)" >&2

policy=/usr/sbin/policy-rc.d
backup=""
if [ -e "$policy" ]; then
  backup=$(mktemp)
  $sudo cp -p "$policy" "$backup"
fi
restore() {
  if [ -n "$backup" ]; then
    $sudo cp -p "$backup" "$policy"
    rm -f "$backup"
  else
    $sudo rm -f "$policy"
  fi
}
trap restore EXIT
printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
$sudo chmod 755 "$policy"

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
apt_install() { $sudo apt-get install -y -qq --no-install-recommends postfix >&2; }
apt_install || { $sudo apt-get update -qq >&2 && apt_install; }
