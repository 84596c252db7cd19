#!/usr/bin/env bash
# A throwaway PostgreSQL for the store contract suite: loopback only, its own port and data
# folder, started by the test command and stopped after it.
#   scripts/test-postgres.sh start <dir>   prints the connection URL on stdout
#   scripts/test-postgres.sh stop <dir>
set -euo pipefail
cmd=${1:?usage: test-postgres.sh start|stop <dir>}
dir=${2:?usage: test-postgres.sh start|stop <dir>}
port=${SWITCHBOARD_TEST_PG_PORT:-55432}

find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_postgres() {
  echo "installing PostgreSQL from Debian (its default cluster stays stopped)" >&2
  # Installing the package would start the distribution's own cluster; a deny-all policy-rc.d
  # keeps every daemon down while apt runs.
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created=1; fi
  (apt-get install -y -qq postgresql >&2 || { apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2; })
  [ "$created" = 1 ] && rm -f "$policy"
  true
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    bin=$(find_bin) || { DEBIAN_FRONTEND=noninteractive install_postgres; bin=$(find_bin); }
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_postgres "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    fi
    as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'switchboard') THEN
    CREATE ROLE switchboard LOGIN PASSWORD 'switchboard';
  END IF;
END \$\$;
SQL
    if ! as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='switchboard_test'" | grep -q 1; then
      as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres -O switchboard switchboard_test
    fi
    echo "postgres://switchboard:switchboard@127.0.0.1:$port/switchboard_test"
    ;;
  stop)
    bin=$(find_bin) || exit 0
    [ -f "$dir/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  *)
    echo "usage: test-postgres.sh start|stop <dir>" >&2
    exit 2
    ;;
esac
