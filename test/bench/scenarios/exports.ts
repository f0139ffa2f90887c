// Exports under load: /health p99 while four clients download the largest export (SDMX einwohner), and the RSS while
// four clients stall on it; on PostgreSQL (the bench's gateway) and on the embedded PGlite (a gateway of its own).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, repoRoot, waitForHealth } from '../../support/processes.ts';
import type { BenchContext, BenchMeasurement } from '../types.ts';

/** the largest plain read of the bundled data: every current observation of einwohner as SDMX-CSV (the default format) */
const EXPORT = '/sdmx/2.1/data/DF_VAR_EINWOHNER';
const CLIENTS = 4;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

/** download clients in a process of their own (their work is not the server's): `read` loops, `stall` stops reading */
function clients(url: string, mode: 'read' | 'stall'): ChildProcess {
  const script = `
    const http = require('node:http');
    const one = () => http.get(process.argv[1], (res) => {
      if (process.argv[2] === 'stall') { res.pause(); return; }
      res.resume(); res.on('end', one);
    }).on('error', () => {});
    for (let i = 0; i < ${CLIENTS}; i++) one();`;
  return spawn(process.execPath, ['-e', script, url, mode], { stdio: 'ignore' });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** /health latencies (ms) of one client asking again as soon as it has its answer, for `seconds` */
async function healthLatencies(baseUrl: string, seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/health`);
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
  }
  return latencies;
}

const p99 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
};

/** resident set size of a process in MB (Linux /proc) */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

async function measureEngine(engine: string, baseUrl: string, pid: number): Promise<BenchMeasurement[]> {
  const url = `${baseUrl}${EXPORT}`;
  const probe = await fetch(url);
  if (!probe.ok) throw new Error(`${EXPORT}: HTTP ${probe.status}`);
  const bodyMb = (await probe.arrayBuffer()).byteLength / 1e6;
  const idle = p99(await healthLatencies(baseUrl, SECONDS));

  const readers = clients(url, 'read');
  await sleep(500);
  const loaded = await healthLatencies(baseUrl, SECONDS);
  await stop(readers);

  await sleep(1000);
  const rssBefore = rssMb(pid);
  const stalled = clients(url, 'stall');
  // the server writes until the sockets are full, then waits on them
  await sleep(3000);
  const stalledHealth = await healthLatencies(baseUrl, Math.min(SECONDS, 3));
  const rssStalled = rssMb(pid);
  await stop(stalled);
  console.log(`exports (${engine}): body ${bodyMb.toFixed(1)} MB; /health p99 idle ${idle.toFixed(1)} ms, while ${CLIENTS} download ${p99(loaded).toFixed(1)} ms (${loaded.length} answers), while ${CLIENTS} stall ${p99(stalledHealth).toFixed(1)} ms; RSS ${rssBefore.toFixed(0)} MB → ${rssStalled.toFixed(0)} MB while they stall`);
  return [
    {
      name: `${engine}: /health p99 while ${CLIENTS} clients download ${EXPORT} (${bodyMb.toFixed(1)} MB), vs idle p99`,
      unit: 'ms',
      value: p99(loaded),
      reference: idle,
      lowerIsBetter: true,
    },
    {
      name: `${engine}: RSS growth while ${CLIENTS} clients stall on it, vs ${CLIENTS} × the body (what holding it would cost)`,
      unit: 'MB',
      value: Math.max(rssStalled - rssBefore, 0.1),
      reference: CLIENTS * bodyMb,
      lowerIsBetter: true,
    },
  ];
}

/** a gateway on a fresh embedded database with the bundled data loaded (a first start: minutes) */
async function pgliteGateway(): Promise<{ baseUrl: string; child: ChildProcess; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'datenpool-bench-exports-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', RATE_LIMIT_MAX: '100000000' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const baseUrl = `http://127.0.0.1:${port}`;
  const close = async () => {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, 300_000);
    const deadline = Date.now() + 1_800_000;
    for (;;) {
      // while the load keeps the process busy a probe may fail (a reset keep-alive connection): ask again
      const ready = (await fetch(`${baseUrl}/ready`)
        .then((res) => res.json())
        .catch(() => ({ loading: { state: 'loading' } }))) as { loading?: { state: string } };
      if (ready.loading?.state !== 'loading') break;
      if (Date.now() > deadline) throw new Error('the bundled data did not load within 30 minutes');
      await sleep(2000);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { baseUrl, child, close };
}

export async function measurements(ctx: BenchContext): Promise<BenchMeasurement[]> {
  const results = await measureEngine('PostgreSQL', ctx.baseUrl, process.pid);
  const embedded = await pgliteGateway();
  try {
    results.push(...(await measureEngine('PGlite', embedded.baseUrl, embedded.child.pid as number)));
  } finally {
    await embedded.close();
  }
  return results;
}
