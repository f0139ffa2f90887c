#!/usr/bin/env bash
# `npm test`: dependencies, type-check, lint, a PostGIS to test against, then every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/ensure-deps.sh
echo "# type-check" && pnpm exec tsc -p tsconfig.json --noEmit
echo "# lint" && pnpm exec biome check .
if [ -z "${DATABASE_URL:-}" ]; then
  if [ "${DATENPOOL_TEST_DOCKER:-auto}" != off ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    envfile=$(mktemp)
    node --import tsx test/support/container.ts "$envfile" &
    container_pid=$!
    trap 'kill "$container_pid" 2>/dev/null || true; rm -f "$envfile"' EXIT
    for _ in $(seq 1 180); do [ -s "$envfile" ] && break; sleep 1; done
    # shellcheck disable=SC1090
    source "$envfile"
  else
    eval "$(bash infra/postgis.sh start)"
    trap 'bash infra/postgis.sh stop "$PG_DIR"' EXIT
  fi
fi
export DATABASE_URL
node --import tsx test/support/prepare.ts
pnpm exec tap "$@"
