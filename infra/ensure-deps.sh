#!/usr/bin/env bash
# Installs pnpm and the workspace's dependencies when they are missing or the lockfile changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pnpm >/dev/null 2>&1; then
  echo "installing pnpm…" >&2
  npm i -g pnpm@10 >&2
fi
stamp=node_modules/.lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s pnpm-lock.yaml "$stamp"; then
  pnpm install --frozen-lockfile >&2
  cp pnpm-lock.yaml "$stamp"
fi
