#!/usr/bin/env bash
# The whole test suite, as CI runs it (README's second command, .ci/run):
# static checks, then unit, store contract (SQLite and a throwaway PostgreSQL) and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "Debian tools for media conversion"
scripts/ensure-debian-tools.sh
scripts/ensure-test-peers.sh
scripts/ensure-fax-engine.sh

step "build"
npm run --silent build

step "lint and format"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

step "typecheck (src, tests, bench, web)"
npx tsc -p tsconfig.check.json
npx tsc -p web/tsconfig.json

step "import rules (DESIGN.md layering)"
npx depcruise src --config .dependency-cruiser.cjs

step "throwaway PostgreSQL on loopback"
pgdir=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
chmod 755 "$pgdir"
cleanup() { scripts/test-postgres.sh stop "$pgdir" || true; rm -rf "$pgdir"; }
trap cleanup EXIT
SWITCHBOARD_TEST_DATABASE_URL=$(scripts/test-postgres.sh start "$pgdir")
export SWITCHBOARD_TEST_DATABASE_URL
echo "$SWITCHBOARD_TEST_DATABASE_URL"

step "tests"
mapfile -t files < <(find src test -name '*.test.ts' | sort)
node --import tsx --test --test-reporter=spec "${files[@]}"
