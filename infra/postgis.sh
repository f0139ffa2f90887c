#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster in a temp dir, on a free port, for development and tests.
# Durability is off (fsync, full page writes); shared_buffers is PG_SHARED_BUFFERS (default 2GB, where PostgreSQL's
# 128MB default would send the benchmarks' million-row tables through the kernel's page cache on every read).
#   infra/postgis.sh start   -> prints `export DATABASE_URL=… PG_DIR=…` (eval it)
#   infra/postgis.sh stop DIR
set -euo pipefail
PG_MAJOR=${PG_MAJOR:-15}
BIN=/usr/lib/postgresql/$PG_MAJOR/bin
EXT=/usr/share/postgresql/$PG_MAJOR/extension/postgis.control

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_installed() {
  if [ -x "$BIN/initdb" ] && [ -f "$EXT" ]; then return; fi
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL $PG_MAJOR with PostGIS is missing: install postgresql-$PG_MAJOR-postgis-3 (as root:" \
      "apt-get install -y postgresql-$PG_MAJOR-postgis-3), or set DATABASE_URL to a PostGIS database." >&2
    exit 1
  fi
  echo "installing postgresql-$PG_MAJOR-postgis-3 through apt…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "postgresql-$PG_MAJOR-postgis-3" >&2
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

start() {
  ensure_installed
  local dir port
  dir=$(mktemp -d /tmp/datenpool-pg.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_postgres "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  port=$(free_port)
  as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=${PG_SHARED_BUFFERS:-2GB}" \
    start >/dev/null
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres PG_DIR=$dir"
}

stop() {
  local dir=${1:?usage: postgis.sh stop DIR}
  as_postgres "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
