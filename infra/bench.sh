#!/usr/bin/env bash
# `pnpm bench [filter]`: the benchmarks over a throwaway PostGIS (or DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/ensure-deps.sh
if [ -z "${DATABASE_URL:-}" ]; then
  eval "$(bash infra/postgis.sh start)"
  trap 'bash infra/postgis.sh stop "$PG_DIR"' EXIT
fi
export DATABASE_URL TEST_TEMPLATE_DB=${TEST_TEMPLATE_DB:-datenpool_bench_template}
node --import tsx test/support/prepare.ts
node --import tsx test/bench/run.ts "$@"
