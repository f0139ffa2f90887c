// `node --import tsx test/bench/profile.ts [path …]`: the gateway's Node CPU per request under load (autocannon in a
// process of its own, c=BENCH_CONNECTIONS), and with PROFILE=1 where it goes (a CPU profile of the load, summed per
// function and per package). Over the database DATABASE_URL / TEST_TEMPLATE_DB name (as the bench's; PG_DIR adds
// PostgreSQL's CPU). BENCH_SYNTHETIC=1 builds the geometry bench's 100 000 polygons first (their bbox: `$BOX`).
// `floor:limit10` and `floor:bbox100` are the HTTP floor of the two small geometry pages: a bare node:http server in
// this process sending the raw SQL's stored-GeoJSON features (the same bytes less the links) through the same pool;
// `shell:limit10`, `shell:bbox100` the same statement and bytes through the service's own app shell and front door
// (createApp with the gateway's registerFrontDoor: logging, request ids, security headers, CORS, compression, rate
// limits, the error handler) and one route, without any OGC code;
// `raw:limit10`, `raw:bbox100` that SQL alone, in this process, as the bench's reference runs it (`-computed`: with
// the geometry transformed and written per request, the bench's main reference).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type autocannon from 'autocannon';
import { cpuSnapshot, cpuSpent } from './cpu.ts';
import { benchGateway, benchGatewayConfig } from './gateway.ts';
import { registerFrontDoor } from '@datenpool/gateway';
import { createApp, serviceConfigFromEnv } from '@datenpool/service-kit';
import { serveOnLoopback } from '../support/app.ts';
import { createServer } from 'node:http';
import { bboxWhere, benchBox, buildSynthetic, featuresSql, planungsraeume2006 } from './scenarios/geometry.ts';

const run = promisify(execFile);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);
const profile = process.env.PROFILE === '1';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** self time per function and per package (node_modules/<name>, packages/<name>, node internals) */
function summarise(nodes: ProfileNode[], samples: number, top = Number(process.env.PROFILE_TOP ?? 25)): void {
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '');
    const where = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1]
      ?? /\/(packages|services)\/([^/]+)\//.exec(file)?.slice(1).join('/')
      ?? (file.startsWith('node:') ? 'node' : file === '' ? `(${functionName || 'native'})` : file);
    const name = `${functionName || '(anonymous)'} ${file.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    byPackage.set(where, (byPackage.get(where) ?? 0) + hits);
  }
  const table = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, share: `${((hits / samples) * 100).toFixed(1)} %` }));
  console.log('self time by package');
  console.table(table(byPackage));
  console.log('self time by function');
  console.table(table(byFunction));
}

async function load(url: string): Promise<autocannon.Result> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const { stdout } = await run(process.execPath, [cli, '--json', '-c', String(connections), '-d', String(seconds), url], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as autocannon.Result;
}

const { app, database, baseUrl: base, teardowns } = await benchGateway();
if (process.env.BENCH_SYNTHETIC === '1') await buildSynthetic({ baseUrl: base, database });
/** the HTTP floor: no framework, no hooks, one statement and the bytes */
const floorQueries: Record<string, () => ReturnType<typeof featuresSql>> = {
  '/limit10': () => featuresSql(planungsraeume2006, 10, 'stored'),
  '/bbox100': () => featuresSql(bboxWhere('bench', benchBox()), 100, 'stored'),
  // the bench's main reference: the geometry transformed and written per request
  '/limit10-computed': () => featuresSql(planungsraeume2006, 10),
  '/bbox100-computed': () => featuresSql(bboxWhere('bench', benchBox()), 100),
};
const floor = createServer((req, res) => {
  const query = floorQueries[req.url ?? ''];
  if (!query) {
    res.writeHead(404).end();
    return;
  }
  query()
    .execute(database.db)
    .then(({ rows }) => {
      const body = Buffer.from(`{"type":"FeatureCollection","features":[${rows[0]?.features ?? ''}]}`);
      res.writeHead(200, { 'content-type': 'application/geo+json', 'content-length': body.length }).end(body);
    })
    .catch((err) => res.writeHead(500).end(String(err)));
});
await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
/** the shell floor: the service's app and front door, one route, the same statement and bytes */
const gatewayConfig = benchGatewayConfig();
const shell = await createApp({
  title: 'shell floor',
  config: serviceConfigFromEnv({ LOG_LEVEL: 'warn' }),
  database,
  frontDoor: (a) => registerFrontDoor(a, gatewayConfig),
});
shell.get('/:name', async (request, reply) => {
  const query = floorQueries[`/${(request.params as { name: string }).name}`];
  if (!query) return reply.code(404).send();
  const { rows } = await query().execute(database.db);
  return reply.type('application/geo+json').send(Buffer.from(`{"type":"FeatureCollection","features":[${rows[0]?.features ?? ''}]}`));
});
const shellBase = await serveOnLoopback(shell);
const floorAddress = floor.address();
const floorBase = `http://127.0.0.1:${typeof floorAddress === 'object' && floorAddress ? floorAddress.port : 0}`;
const paths = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['/health', '/collections/lor-2006-planungsraum/items?limit=10']).map((p) =>
  p.replace('$BOX', benchBox().join(',')),
);
const session = new Session();
session.connect();
const rows: Array<Record<string, string | number>> = [];
/** the raw SQL in this process, as the bench's reference: `connections` loops for the bench's seconds */
async function inProcess(name: string): Promise<{ n: number; seconds: number }> {
  const query = floorQueries[name];
  if (!query) throw new Error(`no raw query ${name}`);
  for (let i = 0; i < 50; i++) await query().execute(database.db);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        await query().execute(database.db);
        n++;
      }
    }),
  );
  return { n, seconds: (performance.now() - started) / 1000 };
}

for (const path of paths) {
  if (path.startsWith('raw:')) {
    const before = cpuSnapshot();
    const { n, seconds: took } = await inProcess(`/${path.slice('raw:'.length)}`);
    const spent = cpuSpent(before, cpuSnapshot());
    rows.push({
      path,
      requests: n,
      opsPerSec: Math.round(n / took),
      nodeCpuMsPerRequest: Math.round((spent.node / n) * 1000) / 1000,
      ...(spent.postgres === undefined ? {} : { postgresCpuMsPerRequest: Math.round((spent.postgres / n) * 1000) / 1000 }),
    });
    continue;
  }
  const url = path.startsWith('floor:')
    ? `${floorBase}/${path.slice('floor:'.length)}`
    : path.startsWith('shell:')
      ? `${shellBase}/${path.slice('shell:'.length)}`
      : `${base}${path}`;
  const probe = await fetch(url);
  if (!probe.ok) throw new Error(`${path}: HTTP ${probe.status} ${(await probe.text()).slice(0, 300)}`);
  const bytes = (await probe.arrayBuffer()).byteLength;
  for (let i = 0; i < 200; i++) await (await fetch(url)).arrayBuffer();
  if (profile) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const before = cpuSnapshot();
  const result = await load(url);
  const spent = cpuSpent(before, cpuSnapshot());
  const n = result.requests.total;
  if (profile) {
    const { profile: p } = (await session.post('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[]; samples: number[] } };
    const file = `/tmp/gateway-${path.replace(/[^a-z0-9]+/gi, '_').slice(0, 60)}.cpuprofile`;
    writeFileSync(file, JSON.stringify(p));
    console.log(`\n${path}: profile in ${file}`);
    summarise(p.nodes, p.samples.length);
  }
  rows.push({
    path: path.slice(0, 80),
    bytes,
    requests: n,
    opsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    nodeCpuMsPerRequest: Math.round((spent.node / n) * 1000) / 1000,
    ...(spent.postgres === undefined ? {} : { postgresCpuMsPerRequest: Math.round((spent.postgres / n) * 1000) / 1000 }),
    non2xx: result.non2xx,
  });
}
session.disconnect();
floor.close();
await shell.close();
console.table(rows);
await app.close();
for (const fn of teardowns.reverse()) await fn();
