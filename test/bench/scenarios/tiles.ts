// Tiles (issue 18): the full-city z12 tile set of the 2021 Planungsräume coloured by an indicator (and of the Planungsräume
// alone), through the service against the raw ST_AsMVT statement for the same tiles in the same run; the p99 of a tile.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from '@datenpool/db';
import { tileBounds, tileOf } from '../../../packages/ogc/src/tiles/matrix-set.ts';
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
}

const layers: Layer[] = [
  { collection: `indicator-${INDICATOR}`, raw: rawIndicatorTileSql },
  { collection: 'lor-2021-planungsraum', raw: rawLorTileSql },
];

const tileUrl = (ctx: BenchContext, collection: string, tile: Tile) =>
  `${ctx.baseUrl}/collections/${collection}/tiles/WebMercatorQuad/${tile.z}/${tile.row}/${tile.col}`;

async function fetchTile(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (response.status !== 200 && response.status !== 204) throw new Error(`${url}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

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

/** the set once, from `connections` clients: tiles per second and each tile's latency */
async function onePass<T>(tiles: T[], fetchTile: (tile: T) => Promise<unknown>): Promise<{ rate: number; latencies: number[] }> {
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
  return { rate: tiles.length / ((performance.now() - started) / 1000), latencies };
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

type ClientMode = 'pass' | 'throughput' | 'sequential';

/**
 * the HTTP side from a process of its own (as the runner does with autocannon), so that the client's work is not
 * charged to the service: the raw side has no client to pay for
 */
async function fromOtherProcess(urls: string[], mode: ClientMode): Promise<{ rate: number; latencies: number[] }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--tiles-client', JSON.stringify({ urls, mode, connections, durationSeconds })],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as { rate: number; latencies: number[] };
}

async function runClient(spec: { urls: string[]; mode: ClientMode; connections: number; durationSeconds: number }): Promise<void> {
  const result =
    spec.mode === 'pass'
      ? await onePass(spec.urls, fetchTile)
      : spec.mode === 'sequential'
        ? { rate: 0, latencies: await sequential(spec.urls, fetchTile, 3) }
        : { rate: await throughput(spec.urls, fetchTile), latencies: [] };
  process.stdout.write(JSON.stringify(result));
}

async function measureLayer(ctx: BenchContext, tiles: Tile[], layer: Layer): Promise<BenchMeasurement[]> {
  const raw = (tile: Tile) => rawTile(ctx, layer, tile);
  // the database warm for both sides (the polygons in the buffer cache, the pool's sessions with their catalog caches):
  // the first side to read the set would otherwise pay for the disk reads of both
  await onePass(tiles, raw);
  // cold: the service's first delivery of the set (nothing kept yet), against the raw statements for the same tiles
  const urls = tiles.map((tile) => tileUrl(ctx, layer.collection, tile));
  const coldService = await fromOtherProcess(urls, 'pass');
  const coldRaw = await onePass(tiles, raw);
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
  // warm: the set again and again, as map clients ask for it (the service keeps rendered tiles by data version)
  const service = (await fromOtherProcess(urls, 'throughput')).rate;
  const rawRate = await throughput(tiles, raw);
  const warmP99 = p99((await fromOtherProcess(urls, 'sequential')).latencies);
  const rawP99 = p99(await sequential(tiles, raw, 3));
  const set = `z${Z} city, ${layer.collection} (${tiles.length} tiles, ${connections} clients)`;
  console.error(
    `tiles: ${layer.collection}: first delivery ${coldService.rate.toFixed(1)} tiles/s against raw ST_AsMVT ${coldRaw.rate.toFixed(1)} (ratio ${(coldService.rate / coldRaw.rate).toFixed(2)}); ` +
      `repeated ${service.toFixed(1)} tiles/s against raw ${rawRate.toFixed(1)} (ratio ${(service / rawRate).toFixed(2)}; goal ≥ 0.7); ` +
      `p99 of a single tile: first delivery ${p99(coldService.latencies).toFixed(1)} ms (raw ${p99(coldRaw.latencies).toFixed(1)}), repeated ${warmP99.toFixed(1)} ms (raw ${rawP99.toFixed(1)}); goal < 50 ms`,
  );
  return [
    { name: `tiles ${set}, first delivery`, unit: 'tiles/s', value: coldService.rate, reference: coldRaw.rate },
    { name: `tiles ${set}, repeated`, unit: 'tiles/s', value: service, reference: rawRate },
    { name: `${layer.collection} tile p99, first delivery, vs raw SQL`, unit: 'ms', value: p99(coldService.latencies), reference: p99(coldRaw.latencies), lowerIsBetter: true },
    { name: `${layer.collection} tile p99, repeated (sequential), vs raw SQL`, unit: 'ms', value: warmP99, reference: rawP99, lowerIsBetter: true },
    { name: `${layer.collection} tile p99, repeated, vs the 50 ms goal`, unit: 'ms', value: warmP99, reference: 50, lowerIsBetter: true },
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
