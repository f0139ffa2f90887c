// Tiles (issue 18): the full-city z12 tile set of the 2021 Planungsräume coloured by an indicator (and of the Planungsräume
// alone), through the service against the raw ST_AsMVT statement for the same tiles in the same run; the p99 of a tile.
// Fresh tiles (a new data version before each pass: rendered, nothing kept) and cached ones (kept by the service) are
// reported apart; both sides run the same number of clients over the same pool of sessions, both warmed first.
// CPU per fresh tile beside the rates: this process (the gateway; on the raw side the statements' client), the local
// cluster, and the HTTP client's process (node:http), so that the gap between the sides is shown where it is spent.
// BENCH_TILE_PASSES (default 3) fresh passes; BENCH_SECONDS, BENCH_CONNECTIONS as for every scenario.
import { execFile } from 'node:child_process';
import { Agent, get as httpGet } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from '@datenpool/db';
import { tileBounds, tileOf } from '../../../packages/ogc/src/tiles/matrix-set.ts';
import { cpuSnapshot, cpuSpent } from '../cpu.ts';
import type { BenchContext, BenchMeasurement } from '../types.ts';

const INDICATOR = 'anteil_65_plus';
const Z = 12;
const durationSeconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 4);

interface Tile {
  z: number;
  row: number;
  col: number;
}

/** every z12 tile of the Planungsräume's extent */
async function cityTiles(ctx: BenchContext): Promise<Tile[]> {
  const { rows } = await sql<{ w: number; s: number; e: number; n: number }>`SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
    FROM (SELECT ST_Extent(ST_Transform(geom, 4326)) AS b FROM lor_unit WHERE version = '2021' AND level = 'planungsraum') x`.execute(ctx.database.db);
  const { w, s, e, n } = rows[0]!;
  const upperLeft = tileOf(w, n, Z);
  const lowerRight = tileOf(e, s, Z);
  const tiles: Tile[] = [];
  for (let row = upperLeft.row; row <= lowerRight.row; row++) for (let col = upperLeft.col; col <= lowerRight.col; col++) tiles.push({ z: Z, row, col });
  return tiles;
}

/**
 * The floor: one hand-written ST_AsMVT statement per tile over indicator_value and lor_unit, with the layer's properties,
 * the latest date, the tile as bbox and the simplification the service applies below z14 (half a pixel of a 512-pixel
 * tile), so that both sides produce the same bytes
 */
function rawIndicatorTileSql(tile: Tile) {
  const b = tileBounds(tile);
  const envelope = sql`ST_MakeEnvelope(${b.minX}::float8, ${b.minY}::float8, ${b.maxX}::float8, ${b.maxY}::float8, 3857)`;
  const tolerance = (b.maxX - b.minX) / 1024;
  return sql<{ tile: Buffer | null }>`SELECT ST_AsMVT(t, ${`indicator-${INDICATOR}`}::text, 4096, 'geom') AS tile FROM (
      SELECT ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_Transform(u.geom, 3857), ${tolerance}::float8), ${envelope}::box2d, 4096, 64, true) AS geom,
        jsonb_build_object('id', v.unit_id || '_' || extract(year FROM v.ref_date)::int, 'name', u.name, 'level', v.level, 'date', v.ref_date,
          'value', CASE WHEN v.status <> 'suppressed' THEN v.value END, 'status', v.status, 'berlin', v.berlin, 'district', v.district,
          'rank', v.rank, 'percentile', v.percentile, 'change_1y', v.change_1y, 'target_distance', v.target_distance,
          'class', v.class, 'class_label', v.class_label) AS properties
      FROM indicator_value v LEFT JOIN lor_unit u ON u.version = v.lor_version AND u.level = v.level AND u.id = v.unit_id
      WHERE v.indicator_id = ${INDICATOR} AND v.lor_version = '2021' AND v.breakdown = '' AND v.level = 'planungsraum'
        AND v.ref_date = (SELECT max(ref_date) FROM indicator_value WHERE indicator_id = ${INDICATOR} AND lor_version = '2021')
        AND ST_Intersects(u.geom, ST_Transform(${envelope}, 25833))
      ORDER BY v.unit_id, v.ref_date) t`;
}

/** the same for the Planungsräume themselves (lor-2021-planungsraum): the tile code without the indicator layer's look-ups */
function rawLorTileSql(tile: Tile) {
  const b = tileBounds(tile);
  const envelope = sql`ST_MakeEnvelope(${b.minX}::float8, ${b.minY}::float8, ${b.maxX}::float8, ${b.maxY}::float8, 3857)`;
  const tolerance = (b.maxX - b.minX) / 1024;
  return sql<{ tile: Buffer | null }>`SELECT ST_AsMVT(t, 'lor-2021-planungsraum', 4096, 'geom') AS tile FROM (
      SELECT ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_Transform(u.geom, 3857), ${tolerance}::float8), ${envelope}::box2d, 4096, 64, true) AS geom,
        jsonb_build_object('id', u.id, 'name', u.name, 'level', u.level, 'version', u.version, 'parent_id', u.parent_id, 'area_m2', u.area_m2) AS properties
      FROM lor_unit u WHERE u.version = '2021' AND u.level = 'planungsraum' AND ST_Intersects(u.geom, ST_Transform(${envelope}, 25833))
      ORDER BY u.id) t`;
}

interface Layer {
  collection: string;
  raw: (tile: Tile) => ReturnType<typeof rawLorTileSql>;
  /**
   * a new data version of the layer, as after a recompute or an import: the service's ETags change and every tile of
   * the layer is fresh again (rendered, not kept); `ms` moves the version's timestamp, -total puts it back
   */
  touch: (ctx: BenchContext, ms: number) => Promise<unknown>;
}

const layers: Layer[] = [
  {
    collection: `indicator-${INDICATOR}`,
    raw: rawIndicatorTileSql,
    touch: (ctx, ms) =>
      sql`UPDATE indicator_recompute_state SET finished_at = finished_at + make_interval(secs => ${ms / 1000}::float8) WHERE id = 'values'`.execute(ctx.database.db),
  },
  {
    collection: 'lor-2021-planungsraum',
    raw: rawLorTileSql,
    touch: (ctx, ms) =>
      sql`UPDATE lor_version SET updated_at = updated_at + make_interval(secs => ${ms / 1000}::float8) WHERE version = '2021'`.execute(ctx.database.db),
  },
];

const tileUrl = (ctx: BenchContext, collection: string, tile: Tile) =>
  `${ctx.baseUrl}/collections/${collection}/tiles/WebMercatorQuad/${tile.z}/${tile.row}/${tile.col}`;

/**
 * A GET of a tile with keep-alive sockets (node:http), the body read whole; an answer that is not 200 or 204 fails the
 * run. Not fetch: undici's fetch cost the client 2.5 ms of CPU per tile here (measured), more than the gateway spent
 * on it, and the client shares the machine's cores with both sides; node:http costs a fraction of that (the bench
 * reports it as client CPU).
 */
function tileClient(sockets: number): (url: string) => Promise<Buffer> {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return (url) =>
    new Promise<Buffer>((resolve, reject) => {
      const request = httpGet(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          if (response.statusCode !== 200 && response.statusCode !== 204) reject(new Error(`${url}: HTTP ${response.statusCode}`));
          else resolve(Buffer.concat(chunks));
        });
      });
      request.on('error', reject);
    });
}

const fetchTile = tileClient(connections);

async function serviceTile(ctx: BenchContext, layer: Layer, tile: Tile): Promise<Buffer> {
  return fetchTile(tileUrl(ctx, layer.collection, tile));
}

async function rawTile(ctx: BenchContext, layer: Layer, tile: Tile): Promise<Buffer> {
  const { rows } = await layer.raw(tile).execute(ctx.database.db);
  return Buffer.from(rows[0]?.tile ?? new Uint8Array(0));
}

/** the tiles of the set, round robin, from `connections` clients for the bench's duration: tiles per second */
async function throughput<T>(tiles: T[], fetchTile: (tile: T) => Promise<unknown>): Promise<number> {
  let next = 0;
  let count = 0;
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        await fetchTile(tiles[next++ % tiles.length]!);
        count++;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

interface Pass {
  /** tiles and seconds of the pass(es) */
  tiles: number;
  seconds: number;
  latencies: number[];
}

/** the set once, from `connections` clients: its duration and each tile's latency */
async function onePass<T>(tiles: T[], fetchTile: (tile: T) => Promise<unknown>): Promise<Pass> {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < tiles.length; i = next++) {
        const t0 = performance.now();
        await fetchTile(tiles[i]!);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { tiles: tiles.length, seconds: (performance.now() - started) / 1000, latencies };
}

/** one tile at a time: the latency of each request of `rounds` passes over the set */
async function sequential<T>(tiles: T[], fetchTile: (tile: T) => Promise<unknown>, rounds: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const tile of tiles) {
      const started = performance.now();
      await fetchTile(tile);
      latencies.push(performance.now() - started);
    }
  }
  return latencies;
}

function p99(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

function median(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const rate = (passes: Pass[]) => passes.reduce((n, p) => n + p.tiles, 0) / passes.reduce((s, p) => s + p.seconds, 0);
const latenciesOf = (passes: Pass[]) => passes.flatMap((p) => p.latencies);

type ClientMode = 'pass' | 'throughput' | 'sequential';

interface ClientSpec {
  urls: string[];
  mode: ClientMode;
  connections: number;
  durationSeconds: number;
  /** sequential: passes over the set */
  rounds: number;
  /** fetched once by every connection before the clock starts (the client's sockets open, its code compiled) */
  warm: string;
}

/**
 * the HTTP side from a process of its own (as the runner does with autocannon), so that the client's work is not
 * charged to the service: the raw side has no client to pay for
 */
async function fromOtherProcess(spec: Omit<ClientSpec, 'connections' | 'durationSeconds'>): Promise<{ rate: number; pass: Pass; clientCpuMs?: number }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--tiles-client', JSON.stringify({ ...spec, connections, durationSeconds })],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as { rate: number; pass: Pass; clientCpuMs?: number };
}

/** CPU ms per tile: this process (the gateway, or the raw side's client), the local cluster, the HTTP client's process */
interface TileCpu {
  node: number;
  postgres: number;
  client: number;
}

function perTile(spent: ReturnType<typeof cpuSpent>, tiles: number): Omit<TileCpu, 'client'> {
  return { node: spent.node / tiles, postgres: (spent.postgres ?? Number.NaN) / tiles };
}

/** the median pass's CPU: `node + postgres (+ client)` ms */
function cpuText(passes: TileCpu[]): string {
  const mid = (pick: (c: TileCpu) => number) => [...passes.map(pick)].sort((a, b) => a - b)[Math.floor(passes.length / 2)] ?? Number.NaN;
  const client = mid((c) => c.client);
  return `node ${mid((c) => c.node).toFixed(2)} + postgres ${mid((c) => c.postgres).toFixed(2)}${client > 0 ? ` + client ${client.toFixed(2)}` : ''} ms`;
}

async function runClient(spec: ClientSpec): Promise<void> {
  // every connection of the client opened and used once, as the raw side's pooled sessions are before it is measured
  await Promise.all(Array.from({ length: spec.connections }, () => fetchTile(spec.warm)));
  const cpu = process.cpuUsage();
  let result: { rate: number; pass: Pass; clientCpuMs?: number };
  if (spec.mode === 'pass') {
    result = { rate: 0, pass: await onePass(spec.urls, fetchTile) };
  } else if (spec.mode === 'sequential') {
    const latencies = await sequential(spec.urls, fetchTile, spec.rounds);
    result = { rate: 0, pass: { tiles: latencies.length, seconds: latencies.reduce((a, b) => a + b, 0) / 1000, latencies } };
  } else {
    result = { rate: await throughput(spec.urls, fetchTile), pass: { tiles: 0, seconds: 0, latencies: [] } };
  }
  const spent = process.cpuUsage(cpu);
  const requests = result.pass.tiles || result.rate * spec.durationSeconds;
  result.clientCpuMs = (spent.user + spent.system) / 1000 / Math.max(1, requests);
  process.stdout.write(JSON.stringify(result));
}

/** fresh passes over the set: each after a new data version, the service's and the raw statements' in turn */
const freshPasses = Number(process.env.BENCH_TILE_PASSES ?? 3);

async function measureLayer(ctx: BenchContext, tiles: Tile[], layer: Layer): Promise<BenchMeasurement[]> {
  const raw = (tile: Tile) => rawTile(ctx, layer, tile);
  const urls = tiles.map((tile) => tileUrl(ctx, layer.collection, tile));
  // a request that is not a tile of the set: the tileset document (the collection's look-up and data version)
  const warm = `${ctx.baseUrl}/collections/${layer.collection}/tiles/WebMercatorQuad`;
  let touched = 0;
  const touch = async () => {
    await layer.touch(ctx, 1);
    touched++;
  };
  // both sides warm and unmeasured once: the polygons in the buffer cache, the pool's sessions (their catalog caches
  // and PROJ set up: the first ST_Transform of a session costs ~20 ms) and the service's code paths; the first side to
  // read the set would otherwise pay for the disk reads of both
  await onePass(tiles, raw);
  await fromOtherProcess({ urls, mode: 'pass', rounds: 1, warm });
  // the comparison is fair only where both sides produce the same tiles: byte for byte
  let features = 0;
  for (const tile of tiles) {
    const [ours, theirs] = await Promise.all([serviceTile(ctx, layer, tile), raw(tile)]);
    if (!ours.equals(theirs)) {
      throw new Error(`${layer.collection} ${tile.z}/${tile.row}/${tile.col}: the service's ${ours.length} bytes differ from the raw ST_AsMVT's ${theirs.length}`);
    }
    if (ours.length > 0) features++;
  }
  console.error(`tiles: ${layer.collection}, ${tiles.length} z${Z} tiles over the 2021 Planungsräume (${features} with features), identical bytes from both sides`);
  // fresh: nothing kept (a new data version before each of the service's passes), against the raw statements, the
  // same number of clients on both sides, the two sides' passes in turn so that both see the same load
  const freshService: Pass[] = [];
  const cpu: Record<'service' | 'raw', TileCpu[]> = { service: [], raw: [] };
  const freshRaw: Pass[] = [];
  const freshServiceSequential: number[] = [];
  const freshRawSequential: number[] = [];
  for (let i = 0; i < freshPasses; i++) {
    await touch();
    // CPU of this process (the gateway; on the raw side the statements' client) and of the local cluster, per tile
    const serviceStart = cpuSnapshot();
    const served = await fromOtherProcess({ urls, mode: 'pass', rounds: 1, warm });
    cpu.service.push({ ...perTile(cpuSpent(serviceStart, cpuSnapshot()), tiles.length), client: served.clientCpuMs ?? 0 });
    freshService.push(served.pass);
    const rawStart = cpuSnapshot();
    freshRaw.push(await onePass(tiles, raw));
    cpu.raw.push({ ...perTile(cpuSpent(rawStart, cpuSnapshot()), tiles.length), client: 0 });
    await touch();
    freshServiceSequential.push(...(await fromOtherProcess({ urls, mode: 'sequential', rounds: 1, warm })).pass.latencies);
    freshRawSequential.push(...(await sequential(tiles, raw, 1)));
  }
  // cached: the set again and again, as map clients ask for it (the service keeps rendered tiles by data version; the
  // last sequential pass rendered them)
  const cachedService = (await fromOtherProcess({ urls, mode: 'throughput', rounds: 1, warm })).rate;
  const cachedRaw = await throughput(tiles, raw);
  const cachedSequential = (await fromOtherProcess({ urls, mode: 'sequential', rounds: 3, warm })).pass.latencies;
  const rawSequential = await sequential(tiles, raw, 3);
  await layer.touch(ctx, -touched);
  const [load1] = loadavg();
  const set = `z${Z} city, ${layer.collection} (${tiles.length} tiles, ${connections} clients both sides)`;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.error(
    `tiles: ${layer.collection} (load ${load1!.toFixed(1)} on ${cpus().length} cores): ` +
      `fresh ${rate(freshService).toFixed(1)} tiles/s against raw ST_AsMVT ${rate(freshRaw).toFixed(1)} (ratio ${(rate(freshService) / rate(freshRaw)).toFixed(2)}; goal ≥ 0.7; ${freshPasses} passes); ` +
      `CPU per fresh tile: service ${cpuText(cpu.service)}, raw ${cpuText(cpu.raw)}; ` +
      `cached ${cachedService.toFixed(1)} tiles/s against raw ${cachedRaw.toFixed(1)} (ratio ${(cachedService / cachedRaw).toFixed(2)}); ` +
      `single tile (one client) fresh p99 ${ms(p99(freshServiceSequential))}, median ${ms(median(freshServiceSequential))} (raw p99 ${ms(p99(freshRawSequential))}, median ${ms(median(freshRawSequential))}), ` +
      `cached p99 ${ms(p99(cachedSequential))} (raw ${ms(p99(rawSequential))}); goal < 50 ms; ` +
      `${connections} clients fresh p99 ${ms(p99(latenciesOf(freshService)))} (raw ${ms(p99(latenciesOf(freshRaw)))})`,
  );
  return [
    { name: `tiles ${set}, fresh`, unit: 'tiles/s', value: rate(freshService), reference: rate(freshRaw) },
    { name: `tiles ${set}, cached`, unit: 'tiles/s', value: cachedService, reference: cachedRaw },
    { name: `${layer.collection} tile p99, fresh, one client, vs raw SQL`, unit: 'ms', value: p99(freshServiceSequential), reference: p99(freshRawSequential), lowerIsBetter: true },
    { name: `${layer.collection} tile p99, fresh, one client, vs the 50 ms goal`, unit: 'ms', value: p99(freshServiceSequential), reference: 50, lowerIsBetter: true },
    { name: `${layer.collection} tile p99, fresh, ${connections} clients, vs raw SQL`, unit: 'ms', value: p99(latenciesOf(freshService)), reference: p99(latenciesOf(freshRaw)), lowerIsBetter: true },
    { name: `${layer.collection} tile p99, cached, one client, vs raw SQL`, unit: 'ms', value: p99(cachedSequential), reference: p99(rawSequential), lowerIsBetter: true },
    { name: `${layer.collection} tile p99, cached, one client, vs the 50 ms goal`, unit: 'ms', value: p99(cachedSequential), reference: 50, lowerIsBetter: true },
  ];
}

export async function measurements(ctx: BenchContext): Promise<BenchMeasurement[]> {
  const tiles = await cityTiles(ctx);
  const out: BenchMeasurement[] = [];
  for (const layer of layers) out.push(...(await measureLayer(ctx, tiles, layer)));
  return out;
}

if (process.argv.includes('--tiles-client')) {
  await runClient(JSON.parse(process.argv[process.argv.indexOf('--tiles-client') + 1]!));
  process.exit(0);
}
