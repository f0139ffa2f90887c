#!/usr/bin/env bash
# `npm test`: dependencies, type-check, lint, a PostGIS to test against, then every test file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/ensure-deps.sh
# the map viewer's web assets (Vite), built when missing or older than their sources
if [ ! -f services/viewer/dist/index.html ] || [ -n "$(find services/viewer/web services/viewer/vite.config.ts -newer services/viewer/dist/index.html -print -quit)" ]; then
  pnpm --filter @datenpool/viewer build >&2
fi
# the real clients the tests drive: GDAL's OGC API client and Chromium (skipped where not root)
missing=()
command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c 'import pandas' 2>/dev/null || missing+=(python3-pandas)
/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || missing+=(python3-openpyxl)
# LibreOffice Calc (headless) opens our CSV exports: no cell may evaluate (test/csv-spreadsheet.test.ts)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
# QGIS (Debian's 3.22) as an OGC API Features, WFS and vector tile client, headless (QT_QPA_PLATFORM=offscreen, no X server)
QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c 'import qgis.core' 2>/dev/null || missing+=(python3-qgis qgis-providers)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "# installing ${missing[*]} through apt" >&2
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq "${missing[@]}") >&2 \
    || echo "# could not install ${missing[*]}; the tests that need them will fail naming the package" >&2
fi
# what runs at exit, the last added first
cleanups=()
cleanup() { for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done; }
trap cleanup EXIT
# a PostGIS to test against; its template database (every migration and every service's bundled data, minutes) is
# built in the background while the type-check and lint run, which need no database
if [ -z "${DATABASE_URL:-}" ]; then
  if [ "${DATENPOOL_TEST_DOCKER:-auto}" != off ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    envfile=$(mktemp)
    node --import tsx test/support/container.ts "$envfile" &
    container_pid=$!
    cleanups+=("kill $container_pid 2>/dev/null; rm -f '$envfile'")
    for _ in $(seq 1 180); do [ -s "$envfile" ] && break; sleep 1; done
    # shellcheck disable=SC1090
    source "$envfile"
  else
    eval "$(bash infra/postgis.sh start)"
    cleanups+=("bash infra/postgis.sh stop '$PG_DIR'")
  fi
fi
export DATABASE_URL
prepare_log=$(mktemp)
cleanups+=("rm -f '$prepare_log'")
node --import tsx test/support/prepare.ts >"$prepare_log" 2>&1 &
prepare_pid=$!
cleanups+=("kill $prepare_pid 2>/dev/null")
phase=$SECONDS
echo "# type-check" && pnpm exec tsc -p tsconfig.json --noEmit
echo "# lint" && pnpm exec biome check .
echo "# type-check and lint: $((SECONDS - phase)) s"
if ! wait "$prepare_pid"; then
  cat "$prepare_log" >&2
  echo "# the template database could not be built (test/support/prepare.ts, output above)" >&2
  exit 1
fi
cat "$prepare_log"
report=$(mktemp)
# the fuzz tests' summary lines (requests and cases tried), printed after the run
TEST_REPORT_DIR=$(mktemp -d)
export TEST_REPORT_DIR
phase=$SECONDS
set +e
pnpm exec tap "$@" | tee "$report"
status=${PIPESTATUS[0]}
set -e
echo "# test files: $((SECONDS - phase)) s"
if [ -s "$TEST_REPORT_DIR/summary.txt" ]; then sed 's/^/# /' "$TEST_REPORT_DIR/summary.txt"; fi
rm -rf "$TEST_REPORT_DIR"
# one plain closing line for CI: "N passed, N failed"
node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
  const m = [...text.matchAll(/Asserts:\s+(\d+) pass\s+(\d+) fail/g)].pop();
  const s = [...text.matchAll(/Suites:\s+(\d+) pass\s+(\d+) fail/g)].pop();
  if (m) console.log(`tests: ${m[1]} passed, ${m[2]} failed` + (s ? ` (${s[1]} files passed, ${s[2]} files failed)` : ""));
' "$report"
rm -f "$report"
exit "$status"
