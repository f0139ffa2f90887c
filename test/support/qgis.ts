// QGIS as a real client (Debian's python3-qgis, headless): a python script runs inside an initialised
// QgsApplication and hands back one JSON value; a machine without QGIS fails the test naming the package.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PYTHON } from './real-client.ts';

const run = promisify(execFile);

interface TestLike {
  fail(message: string): unknown;
  end(): unknown;
}

/** the line the script's result is printed on: QGIS and Qt write their own noise to stdout and stderr */
const RESULT_MARK = '@@datenpool-qgis-result@@';

// `args` (the JSON the caller passed) and `result(value)` are what the caller's script sees; the application is
// created without a GUI (QT_QPA_PLATFORM=offscreen, no X server) and closed even when the script raises
const PRELUDE = `
import json, os, sys, traceback
from qgis.core import QgsApplication, Qgis
args = json.loads(sys.argv[1])
_result = {"set": False, "value": None}
def result(value):
    _result["set"] = True
    _result["value"] = value
# a profile folder of this test process's own (settings, qgis.db, qgis-auth.db): test files run in parallel
qgs = QgsApplication([], False, os.environ["DATENPOOL_QGIS_PROFILE"])
qgs.initQgis()
_status = 0
_scope = {**globals()}
try:
    exec(compile(sys.argv[2], "<qgis script>", "exec"), _scope)
except Exception:
    traceback.print_exc()
    _status = 3
finally:
    # layers and providers must go before the application: QGIS crashes in exitQgis() while one is alive
    _scope.clear()
    import gc
    gc.collect()
    qgs.exitQgis()
if _status == 0:
    if not _result["set"]:
        sys.stderr.write("the QGIS script did not call result(value)\\n")
        _status = 4
    else:
        sys.stdout.write("\\n${RESULT_MARK}" + json.dumps(_result["value"]) + "\\n")
sys.stdout.flush()
sys.exit(_status)
`;

/** QGIS's version (e.g. "3.22.16-Białowieża"), or the file fails naming Debian's python3-qgis */
export function requireQgis(t: TestLike): string {
  const probe = spawnSync(PYTHON, ['-c', 'from qgis.core import Qgis; print(Qgis.QGIS_VERSION)'], {
    encoding: 'utf8',
    env: qgisEnv(),
  });
  if (probe.status !== 0) {
    const why = (probe.stderr || String(probe.error ?? '')).trim().split('\n').pop();
    t.fail(
      `QGIS is not available (${PYTHON} -c 'from qgis.core import Qgis' failed: ${why}): install Debian's python3-qgis and qgis-providers (infra/test.sh does); the QGIS tests cannot run`,
    );
    t.end();
    process.exit(1);
  }
  return probe.stdout.trim();
}

let runtimeDir: string | undefined;
let profileDir: string | undefined;

// Qt wants a private runtime directory (0700); one per test process, created on first use. QGIS's profile (its default
// is the user's, shared by every QGIS started meanwhile, other test files' included) is one per test process too
function qgisEnv(): NodeJS.ProcessEnv {
  runtimeDir ??= process.env.XDG_RUNTIME_DIR ?? mkdtempSync(path.join(tmpdir(), 'datenpool-qgis-'));
  if (profileDir === undefined) {
    const dir = mkdtempSync(path.join(tmpdir(), 'datenpool-qgis-profile-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    profileDir = dir;
  }
  return { ...process.env, QT_QPA_PLATFORM: 'offscreen', XDG_RUNTIME_DIR: runtimeDir, DATENPOOL_QGIS_PROFILE: profileDir, PYTHONDONTWRITEBYTECODE: '1' };
}

export interface QgisRun<T> {
  value: T;
  /** what QGIS and the script wrote besides the result (provider messages, tracebacks) */
  stderr: string;
}

/**
 * runs `script` (python, with `args`, `result(value)` and QgsApplication initialised; import what it uses from
 * qgis.core) in a child process and returns the value it passed to `result`. Asynchronous, so the server the
 * script reads can answer from this process. A script that raises rejects with its traceback.
 */
export async function runQgis<T = unknown>(script: string, args: unknown = {}, timeoutMs = 180_000): Promise<QgisRun<T>> {
  let out: { stdout: string; stderr: string };
  try {
    out = await run(PYTHON, ['-c', PRELUDE, JSON.stringify(args), script], {
      env: qgisEnv(),
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; code?: number | string; signal?: string };
    throw new Error(
      `the QGIS script failed (exit ${e.code ?? '?'}${e.signal ? `, ${e.signal}` : ''}):\n${(e.stderr ?? '').trim().slice(-4000)}\n${(e.stdout ?? '').trim().slice(0, 2000)}`.trim(),
    );
  }
  const line = out.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (line === undefined) throw new Error(`the QGIS script printed no result:\n${out.stderr}\n${out.stdout}`);
  return { value: JSON.parse(line.slice(RESULT_MARK.length)) as T, stderr: out.stderr };
}
