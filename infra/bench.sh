#!/usr/bin/env bash
# `pnpm bench [filter]`: the benchmarks over a throwaway PostGIS (or DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/ensure-deps.sh
# the geometry scenarios' peer: MapServer 8 (OGC API Features) as FastCGI behind lighttpd
if [ ! -x /usr/lib/cgi-bin/mapserv ] || ! command -v lighttpd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y mapserver-bin cgi-mapserver lighttpd >&2 || { apt-get update >&2 && apt-get install -y mapserver-bin cgi-mapserver lighttpd >&2; }
  else
    echo "bench: MapServer peer missing: apt-get install -y mapserver-bin cgi-mapserver lighttpd" >&2
  fi
fi
if [ -z "${DATABASE_URL:-}" ]; then
  eval "$(bash infra/postgis.sh start)"
  trap 'bash infra/postgis.sh stop "$PG_DIR"' EXIT
fi
export DATABASE_URL TEST_TEMPLATE_DB=${TEST_TEMPLATE_DB:-datenpool_bench_template}
node --import tsx test/support/prepare.ts
node --import tsx test/bench/run.ts "$@"
