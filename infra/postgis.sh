#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster in a temp dir, on a free port, for development and tests.
# Durability is off (fsync, full page writes); shared_buffers is PG_SHARED_BUFFERS (default 2GB, where PostgreSQL's
# 128MB default would send the benchmarks' million-row tables through the kernel's page cache on every read).
#   infra/postgis.sh start   -> prints `export DATABASE_URL=… PG_DIR=…` (eval it)
#   infra/postgis.sh start-replica -> a primary and a hot standby streaming from it (pg_basebackup -R, a replication
#     slot): prints `export DATABASE_URL=… DATABASE_READ_URL=… PG_DIR=…`; PG_STANDBY_DELAY (e.g. 2s) holds the
#     standby that far behind (recovery_min_apply_delay), to see which reads go where
#   infra/postgis.sh stop DIR  (stops both of a pair)
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

SERVER_OPTIONS="-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"

# the primary: sets DIR and PORT
start_primary() {
  ensure_installed
  DIR=$(mktemp -d /tmp/datenpool-pg.XXXXXX)
  chmod 755 "$DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
  as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  PORT=$(free_port)
  as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 \
    -o "-p $PORT -k $DIR $SERVER_OPTIONS -c shared_buffers=${PG_SHARED_BUFFERS:-2GB} $*" \
    start >/dev/null
}

start() {
  start_primary
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres PG_DIR=$DIR"
}

# a streaming hot standby of the primary in $DIR/standby: initdb's trust rules admit replication from 127.0.0.1; the
# slot keeps the WAL the standby still needs, so a busy primary never outruns it
start_replica() {
  start_primary -c wal_level=replica -c max_wal_senders=5 -c max_replication_slots=5
  local port
  port=$(free_port)
  as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U postgres -D "$DIR/standby" -R -X stream -C -S datenpool_standby >/dev/null
  as_postgres "$BIN/pg_ctl" -D "$DIR/standby" -l "$DIR/standby.log" -w -t 60 \
    -o "-p $port -k $DIR $SERVER_OPTIONS -c shared_buffers=${PG_SHARED_BUFFERS:-2GB} -c hot_standby=on -c hot_standby_feedback=on -c recovery_min_apply_delay=${PG_STANDBY_DELAY:-0}" \
    start >/dev/null
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/postgres DATABASE_READ_URL=postgres://postgres@127.0.0.1:$port/postgres PG_DIR=$DIR"
}

stop() {
  local dir=${1:?usage: postgis.sh stop DIR}
  if [ -d "$dir/standby" ]; then as_postgres "$BIN/pg_ctl" -D "$dir/standby" -m fast -w stop >/dev/null 2>&1 || true; fi
  as_postgres "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  start-replica) start_replica ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | start-replica | stop DIR" >&2; exit 2 ;;
esac
