// `pnpm bench`: starts the gateway over a real PostGIS, runs every scenario, prints one table.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import { type CpuSnapshot, cpuSnapshot, cpuSpent } from './cpu.ts';
import { benchGateway } from './gateway.ts';
import { type MapServerPeer, startMapServer } from './mapserver.ts';
import type { BenchContext, BenchScenario, MeasureFn, PeerLayerSpec } from './types.ts';

const round = (n: number) => Math.round(n * 100) / 100;
const run = promisify(execFile);

const durationSeconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
/** rounds of each scenario (service, then reference, in turn); odd, so that the median is a run */
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3)) | 1;
const only = process.argv[2];

interface Row {
  scenario: string;
  opsPerSec: number;
  p50: number;
  p99: number;
  referenceOpsPerSec: number;
  ratio: number;
  /** CPU ms per request of this process plus the local PostgreSQL (autocannon's own excluded) */
  cpuMs?: number;
  refCpuMs?: number;
  /** reference CPU ÷ service CPU: what the service costs the machine, less sensitive to other load than ops/s */
  cpuRatio?: number;
  /** the same request to MapServer 8 over the same rows: its ops/s, service ÷ MapServer, and its CPU ms per request */
  mapserverOpsPerSec?: number;
  mapserverRatio?: number;
  mapserverCpuMs?: number;
}

/** CPU ms per operation between two snapshots; undefined without a local cluster to read */
function cpuPerOp(before: CpuSnapshot, after: CpuSnapshot, ops: number): number | undefined {
  const spent = cpuSpent(before, after);
  if (spent.postgres === undefined || ops === 0) return undefined;
  return (spent.node + spent.postgres) / ops;
}

/**
 * every connection's first answers before the clock starts, on each side alike: a pooled PostgreSQL session's first
 * statement (catalog and PROJ caches), a FastCGI MapServer's first request (its mapfile, its session) are paid once
 */
async function warm(request: () => Promise<void>): Promise<void> {
  for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: connections }, () => request()));
}

async function warmUrl(url: string): Promise<void> {
  await warm(async () => {
    await (await fetch(url)).arrayBuffer();
  });
}

async function measureReference(run: () => Promise<void>, warmFirst: boolean): Promise<{ opsPerSec: number; cpuMs?: number }> {
  if (warmFirst) await warm(run);
  else await run(); // warm
  const before = cpuSnapshot();
  const deadline = performance.now() + durationSeconds * 1000;
  let count = 0;
  const started = performance.now();
  // the same concurrency as the HTTP side, so both sides may use the pool alike
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        await run();
        count++;
      }
    }),
  );
  const cpuMs = cpuPerOp(before, cpuSnapshot(), count);
  return { opsPerSec: count / ((performance.now() - started) / 1000), ...(cpuMs === undefined ? {} : { cpuMs }) };
}

/**
 * autocannon in a process of its own, so the HTTP client's work is not charged to the service
 * (the reference side has no client to pay for)
 */
async function loadFromOtherProcess(url: string): Promise<autocannon.Result> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const { stdout } = await run(process.execPath, [cli, '--json', '-c', String(connections), '-d', String(durationSeconds), url], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as autocannon.Result;
}

async function loadScenarios(): Promise<{
  scenarios: BenchScenario[];
  measures: Array<{ file: string; measure: MeasureFn }>;
  peerLayers: PeerLayerSpec[];
}> {
  const dir = fileURLToPath(new URL('./scenarios/', import.meta.url));
  const scenarios: BenchScenario[] = [];
  const measures: Array<{ file: string; measure: MeasureFn }> = [];
  const peerLayers: PeerLayerSpec[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const mod = (await import(new URL(`./scenarios/${file}`, import.meta.url).href)) as {
      scenarios?: BenchScenario[];
      measurements?: MeasureFn;
      peerLayers?: PeerLayerSpec[];
    };
    scenarios.push(...(mod.scenarios ?? []).filter((s) => !only || s.name.includes(only) || file.includes(only)));
    if (mod.measurements && (!only || file.includes(only))) measures.push({ file, measure: mod.measurements });
    peerLayers.push(...(mod.peerLayers ?? []));
  }
  return { scenarios, measures, peerLayers };
}

const { app, database, baseUrl, teardowns } = await benchGateway();
const ctx: BenchContext = { baseUrl, database };

const rows: Row[] = [];
const { scenarios, measures, peerLayers } = await loadScenarios();
// MapServer 8 over the same database, as many FastCGI processes as the bench has connections; a scenario that names
// a peer fails the run where MapServer cannot start (apt-get install -y mapserver-bin cgi-mapserver lighttpd)
let mapserver: MapServerPeer | undefined;
if (scenarios.some((s) => s.peer)) {
  mapserver = await startMapServer(database.url, peerLayers, connections);
  teardowns.push(() => mapserver?.stop());
  ctx.peerUrl = mapserver.baseUrl;
}

async function measurePeer(peer: MapServerPeer, path: string, warmFirst: boolean): Promise<{ opsPerSec: number; cpuMs?: number }> {
  const url = `${peer.baseUrl}${path}`;
  const probe = await fetch(url);
  if (!probe.ok) throw new Error(`MapServer ${path}: HTTP ${probe.status} ${(await probe.text()).slice(0, 300)}`);
  await probe.arrayBuffer();
  if (warmFirst) await warmUrl(url);
  const [root] = peer.pids();
  const before = cpuSnapshot(root);
  const http = await loadFromOtherProcess(url);
  const spent = cpuSpent(before, cpuSnapshot(root));
  if (http.non2xx > 0 || http.errors > 0) console.error(`MapServer ${path}: ${http.non2xx} non-2xx answers, ${http.errors} errors`);
  const ops = http.requests.total;
  const cpuMs = spent.peer === undefined || spent.postgres === undefined || ops === 0 ? undefined : (spent.peer + spent.postgres) / ops;
  return { opsPerSec: http.requests.average, ...(cpuMs === undefined ? {} : { cpuMs }) };
}

/** the run of the median ops/s among rounds (an odd count: the middle one) */
function median<T>(runs: T[], opsPerSec: (run: T) => number): T {
  return [...runs].sort((a, b) => opsPerSec(a) - opsPerSec(b))[Math.floor(runs.length / 2)] as T;
}

for (const scenario of scenarios) {
  await scenario.setup?.(ctx);
  if (scenario.warm) await warmUrl(`${ctx.baseUrl}${scenario.request.path}`);
  // the service and its reference in turn, `rounds` times: each side's median, so that a slow moment of the machine
  // (a VM's neighbours) weighs on one round of one side, not on the ratio
  const services: Array<{ http: autocannon.Result; cpuMs: number | undefined }> = [];
  const references: Array<{ opsPerSec: number; cpuMs?: number }> = [];
  for (let round = 0; round < rounds; round++) {
    const before = cpuSnapshot();
    const http = await loadFromOtherProcess(`${ctx.baseUrl}${scenario.request.path}`);
    services.push({ http, cpuMs: cpuPerOp(before, cpuSnapshot(), http.requests.total) });
    if (http.non2xx > 0 || http.errors > 0) {
      console.error(`${scenario.name}: ${http.non2xx} non-2xx answers, ${http.errors} errors`);
    }
    references.push(await measureReference(() => scenario.reference(ctx), scenario.warm === true && round === 0));
  }
  const { http, cpuMs } = median(services, (s) => s.http.requests.average);
  const reference = median(references, (r) => r.opsPerSec);
  const peer = scenario.peer && mapserver ? await measurePeer(mapserver, scenario.peer.path, scenario.warm === true) : undefined;
  rows.push({
    scenario: scenario.name,
    opsPerSec: Math.round(http.requests.average * 10) / 10,
    p50: http.latency.p50,
    p99: http.latency.p99,
    referenceOpsPerSec: Math.round(reference.opsPerSec * 10) / 10,
    ratio: Math.round((http.requests.average / reference.opsPerSec) * 100) / 100,
    ...(cpuMs === undefined || reference.cpuMs === undefined
      ? {}
      : { cpuMs: round(cpuMs), refCpuMs: round(reference.cpuMs), cpuRatio: round(reference.cpuMs / cpuMs) }),
    ...(peer
      ? {
          mapserverOpsPerSec: Math.round(peer.opsPerSec * 10) / 10,
          mapserverRatio: Math.round((http.requests.average / peer.opsPerSec) * 100) / 100,
          ...(peer.cpuMs === undefined ? {} : { mapserverCpuMs: round(peer.cpuMs) }),
        }
      : {}),
  });
}
console.log(`\nratio = service ops/s ÷ reference ops/s, measured in this run: each side's median of ${rounds} rounds taken in turn (BENCH_ROUNDS)`);
console.log('cpuMs, refCpuMs = CPU ms per request of the gateway process + local PostgreSQL (not autocannon); cpuRatio = refCpuMs ÷ cpuMs');
if (mapserver) {
  console.log(
    `mapserverRatio = service ops/s ÷ MapServer 8 ops/s (OGC API Features, FastCGI × ${connections} behind lighttpd, same rows, limit and GeoJSON); mapserverCpuMs = lighttpd + MapServer + PostgreSQL`,
  );
}
console.table(rows);
const measured: Array<Record<string, string | number>> = [];
for (const { file, measure } of measures) {
  for (const m of await measure(ctx)) {
    const ratio = m.lowerIsBetter ? m.reference / m.value : m.value / m.reference;
    measured.push({ scenario: m.name, from: file, unit: m.unit, value: round(m.value), reference: round(m.reference), ratio: round(ratio) });
  }
}
if (measured.length > 0) {
  console.log('\nbulk measurements (ratio = service ÷ reference for rates, reference ÷ service for durations)');
  console.table(measured);
}
await app.close();
for (const fn of teardowns.reverse()) await fn();
