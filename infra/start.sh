#!/usr/bin/env bash
# `npm start`: dependencies when missing, then the gateway with every service (embedded DB by default).
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/ensure-deps.sh
exec node --import tsx services/gateway/src/main.ts
