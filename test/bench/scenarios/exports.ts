// Exports under load: /health p50/p99 while four clients download the largest export (SDMX einwohner), and the RSS
// while four clients stall on it; on PostgreSQL (the bench's gateway) and on the embedded PGlite (a gateway of its own).
// Beside each latency: the serving process's event-loop delay (perf_hooks.monitorEventLoopDelay) and, on PostgreSQL,
// the CPU the gateway and the cluster spent: a /health slower than the loop's delay waited for a core, not for our code.
// BENCH_EXPORTS_NICE=1 adds a download phase with the cluster's processes at nice 19 (CPU starvation apart).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, repoRoot, waitForHealth } from '../../support/processes.ts';
import { cpuSnapshot, cpuSpent } from '../cpu.ts';
import { type LoopDelay, loopDelayMonitor } from '../loop-delay.ts';
import type { BenchContext, BenchMeasurement } from '../types.ts';

const run = promisify(execFile);

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

/**
 * /health latencies (ms) of one client asking again as soon as it has its answer, for `seconds`; the client is a
 * process of its own, so that on PostgreSQL (the gateway in this process) its work and waits are not the server's
 */
async function healthLatencies(baseUrl: string, seconds: number): Promise<number[]> {
  const script = `
    const http = require('node:http');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const until = performance.now() + Number(process.argv[2]) * 1000;
    const latencies = [];
    const one = () => {
      const started = performance.now();
      http.get(process.argv[1], { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - started);
          if (performance.now() < until) one();
          else { process.stdout.write(JSON.stringify(latencies)); agent.destroy(); }
        });
      }).on('error', (err) => { console.error(String(err)); process.exit(1); });
    };
    one();`;
  const { stdout } = await run(process.execPath, ['-e', script, `${baseUrl}/health`, String(seconds)], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as number[];
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
};
const p99 = (values: number[]) => percentile(values, 0.99);
const p50 = (values: number[]) => percentile(values, 0.5);
const ms = (n: number) => n.toFixed(1);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** the event-loop delay of the serving process between two calls of `take` (this process, or a child's preload) */
interface LoopProbe {
  take(): Promise<LoopDelay>;
  stop(): void;
}

/** this process's loop (the bench's PostgreSQL gateway runs here) */
function ownLoop(): LoopProbe {
  const monitor = loopDelayMonitor();
  return { take: async () => monitor.take(), stop: () => monitor.stop() };
}

/** a child started with test/bench/loop-delay-preload.ts: SIGUSR2 makes it write what it saw to `file` */
function childLoop(child: ChildProcess, file: string): LoopProbe {
  return {
    async take() {
      rmSync(file, { force: true });
      child.kill('SIGUSR2');
      for (let i = 0; i < 500 && !existsSync(file); i++) await sleep(20);
      // the file is written in one call; a reader may still see it half-written: read again
      for (let i = 0; ; i++) {
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as LoopDelay;
        } catch (err) {
          if (i > 50) throw err;
          await sleep(20);
        }
      }
    },
    stop: () => rmSync(file, { force: true }),
  };
}

/** the local cluster's processes (PG_DIR of infra/postgis.sh) at a nice level; false where there is none to renice */
async function renicePostgres(level: number): Promise<boolean> {
  const pids = [...(cpuSnapshot().postgres?.keys() ?? [])];
  if (pids.length === 0) return false;
  await run('renice', ['-n', String(level), '-p', ...pids.map(String)]);
  return true;
}

interface Phase {
  health: number[];
  loop: LoopDelay;
  /** CPU ms per second of wall time: the gateway (this process) and the cluster, where both are local */
  cpu?: { node: number; postgres: number };
}

/** /health from another process while `clients` (or nobody) download; the loop's delay and the CPU meanwhile */
async function phase(baseUrl: string, loop: LoopProbe, seconds: number, own: boolean): Promise<Phase> {
  await loop.take();
  const before = cpuSnapshot();
  const started = performance.now();
  const health = await healthLatencies(baseUrl, seconds);
  const wall = (performance.now() - started) / 1000;
  const spent = cpuSpent(before, cpuSnapshot());
  const result: Phase = { health, loop: await loop.take() };
  if (own && spent.postgres !== undefined) result.cpu = { node: spent.node / wall, postgres: spent.postgres / wall };
  return result;
}

const described = (p: Phase) =>
  `/health p50 ${ms(p50(p.health))} p99 ${ms(p99(p.health))} ms (${p.health.length} answers), loop delay p99 ${ms(p.loop.p99)} max ${ms(p.loop.max)} ms` +
  (p.cpu ? `, CPU gateway ${(p.cpu.node / 10).toFixed(0)} % cluster ${(p.cpu.postgres / 10).toFixed(0)} % of a core` : '');

/** resident set size of a process in MB (Linux /proc) */
function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

async function measureEngine(engine: string, baseUrl: string, pid: number, loop: LoopProbe): Promise<BenchMeasurement[]> {
  const own = pid === process.pid;
  const url = `${baseUrl}${EXPORT}`;
  const probe = await fetch(url);
  if (!probe.ok) throw new Error(`${EXPORT}: HTTP ${probe.status}`);
  const bodyMb = (await probe.arrayBuffer()).byteLength / 1e6;
  const idle = await phase(baseUrl, loop, SECONDS, own);
  const idleLoad = load();

  const readers = clients(url, 'read');
  await sleep(500);
  const loaded = await phase(baseUrl, loop, SECONDS, own);
  const loadedLoad = load();
  let niced: Phase | undefined;
  if (process.env.BENCH_EXPORTS_NICE === '1' && own && (await renicePostgres(19))) {
    try {
      niced = await phase(baseUrl, loop, SECONDS, own);
    } finally {
      await renicePostgres(0);
    }
  }
  await stop(readers);

  await sleep(1000);
  const rssBefore = rssMb(pid);
  const stalled = clients(url, 'stall');
  // the server writes until the sockets are full, then waits on them
  await sleep(3000);
  const stalledPhase = await phase(baseUrl, loop, Math.min(SECONDS, 3), own);
  const rssStalled = rssMb(pid);
  await stop(stalled);
  console.log(
    [
      `exports (${engine}): body ${bodyMb.toFixed(1)} MB`,
      `  idle: ${described(idle)}; load ${idleLoad}`,
      `  while ${CLIENTS} download: ${described(loaded)}; load ${loadedLoad}`,
      ...(niced ? [`  while ${CLIENTS} download, the cluster at nice 19: ${described(niced)}`] : []),
      `  while ${CLIENTS} stall: ${described(stalledPhase)}; RSS ${rssBefore.toFixed(0)} MB → ${rssStalled.toFixed(0)} MB; load ${load()}`,
    ].join('\n'),
  );
  return [
    {
      name: `${engine}: /health p99 while ${CLIENTS} clients download ${EXPORT} (${bodyMb.toFixed(1)} MB), vs idle p99 (load ${loadedLoad})`,
      unit: 'ms',
      value: p99(loaded.health),
      reference: p99(idle.health),
      lowerIsBetter: true,
    },
    {
      name: `${engine}: event-loop delay p99 of the gateway while ${CLIENTS} clients download, vs idle`,
      unit: 'ms',
      value: loaded.loop.p99,
      reference: idle.loop.p99,
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
async function pgliteGateway(): Promise<{ baseUrl: string; child: ChildProcess; loop: LoopProbe; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'datenpool-bench-exports-'));
  const port = await freePort();
  const loopFile = path.join(dataDir, 'loop-delay.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    RATE_LIMIT_MAX: '100000000',
    BENCH_LOOP_DELAY_FILE: loopFile,
  };
  delete env.DATABASE_URL;
  const preload = path.join(repoRoot, 'test/bench/loop-delay-preload.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, 'services/gateway/src/main.ts'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const loop = childLoop(child, loopFile);
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
  return { baseUrl, child, loop, close };
}

export async function measurements(ctx: BenchContext): Promise<BenchMeasurement[]> {
  const loop = ownLoop();
  const results = await measureEngine('PostgreSQL', ctx.baseUrl, process.pid, loop).finally(() => loop.stop());
  if (process.env.BENCH_EXPORTS_PGLITE === '0') return results;
  const embedded = await pgliteGateway();
  try {
    results.push(...(await measureEngine('PGlite', embedded.baseUrl, embedded.child.pid as number, embedded.loop)));
  } finally {
    await embedded.close();
  }
  return results;
}
