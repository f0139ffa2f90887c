#!/usr/bin/env bash
# `npm start`: dependencies when missing, then the gateway with every service (embedded DB by default).
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/ensure-deps.sh
# the map viewer's web assets (Vite), built when missing or older than their sources
if [ ! -f services/viewer/dist/index.html ] || [ -n "$(find services/viewer/web services/viewer/vite.config.ts -newer services/viewer/dist/index.html -print -quit)" ]; then
  pnpm --filter @datenpool/viewer build >&2
fi
exec node --import tsx services/gateway/src/main.ts
