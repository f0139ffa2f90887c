#!/usr/bin/env bash
# The split deployment as local processes (for machines without Docker): each service on its own
# port, the gateway proxying to them. Needs DATABASE_URL (a PostGIS; see infra/postgis.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostGIS database (eval \"\$(bash infra/postgis.sh start)\")}"
bash infra/ensure-deps.sh
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
port=4001
for name in geometry metadata ingest indicators sdmx; do
  # the services honour the gateway's X-Forwarded-Host/-Proto (it runs on this machine)
  PORT=$port TRUST_PROXY=loopback node --import tsx "services/$name/src/main.ts" &
  pids+=($!)
  export "${name^^}_URL=http://127.0.0.1:$port"
  port=$((port + 1))
done
# the indicator recompute worker as its own process (the gateway proxies indicators, so it runs none); more may run
PORT=$port node --import tsx services/indicators/src/worker-main.ts &
pids+=($!)
node --import tsx services/gateway/src/main.ts &
pids+=($!)
wait -n
