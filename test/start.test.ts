// `npm start` on a fresh data folder: the embedded database, migrations and bundled data, then it serves.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { freePort, repoRoot, waitForHealth } from './support/processes.ts';

// the embedded database and the bundled data take longer than tap's default 30 s on a busy machine
t.setTimeout(600_000);

t.test('the gateway starts on embedded PGlite and answers /, /health, /ready, /api', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'datenpool-start-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  t.teardown(() => {
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  // a bound for a hung start, not a speed assertion: the start time is printed and benchmarked
  await waitForHealth(base, 180_000);
  t.comment(`serving after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const landing = await fetch(`${base}/`, { headers: { accept: 'application/json' } });
  t.equal(landing.status, 200);
  const ready = await fetch(`${base}/ready`);
  t.equal(ready.status, 200);
  t.equal((await ready.json()).database.engine, 'pglite');
  const api = await fetch(`${base}/api`);
  t.equal(api.status, 200);
  t.match((await api.json()).openapi, /^3\./);
  const bezirke = await fetch(`${base}/collections/lor-2006-bezirk/items?f=json&limit=100`);
  t.equal(bezirke.status, 200, 'bundled LOR data is served');
  t.equal((await bezirke.json()).numberMatched, 12, 'the twelve Bezirke are loaded');
});
