// `npm start` on a fresh data folder: the embedded database, migrations and bundled data, then it serves.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { freePort, repoRoot, waitForHealth } from './support/processes.ts';

// the embedded database and the bundled data take longer than tap's default 30 s on a busy machine
t.setTimeout(1_800_000);

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

  // the bundled statistics load after listening; /ready names each dataset until all are in
  const loadingBound = Date.now() + 1_500_000;
  let report: { state: string; seconds: number | null; datasets: Array<{ name: string; state: string; rows: number; ms: number | null }> };
  let seenLoading = false;
  for (;;) {
    report = (await (await fetch(`${base}/ready`)).json()).loading;
    if (report.state === 'loading') seenLoading = true;
    if (report.state !== 'loading' || Date.now() > loadingBound) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  t.ok(seenLoading, '/ready answered while the bundled data was still loading');
  t.equal(report.state, 'done', 'every bundled dataset loaded');
  t.comment(`first start: bundled data loaded after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const d of report.datasets) t.comment(`  ${d.name}: ${d.rows} rows in ${((d.ms ?? 0) / 1000).toFixed(1)} s`);
  t.same(report.datasets.map((d) => d.name), ['crosswalk', 'ewr', 'mss', 'crime', 'facilities', 'carried']);
  t.ok(report.datasets.every((d) => d.state === 'done' && d.rows > 0), 'each dataset landed rows');

  // what a user opens first: today's Planungsräume with polygons, and a Bezirksregion's profile with core indicators
  const plr = await (await fetch(`${base}/collections/lor-2021-planungsraum/items?f=json&limit=1000`)).json();
  t.equal(plr.numberMatched, 542);
  t.ok(plr.features.every((f: { geometry: unknown }) => f.geometry !== null), 'all 542 Planungsräume of 2021 have geometry');
  const profileStarted = Date.now();
  const profile = await (await fetch(`${base}/v1/units/011001/profile?version=2021`)).json();
  t.comment(`first profile (computes the indicator values): ${((Date.now() - profileStarted) / 1000).toFixed(1)} s, ${profile.withData} core indicators with a value`);
  t.ok(profile.withData >= 10, `the profile of Bezirksregion 011001 shows ${profile.withData} core indicators with a value`);
});
