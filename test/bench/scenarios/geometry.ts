// Geometry: OGC API Features items against the raw SQL that produces the same GeoJSON features.
import { sql } from '@datenpool/db';
import type { BenchContext, BenchScenario, PeerLayerSpec } from '../types.ts';

/**
 * the features of one page as PostGIS writes them: the same text the service embeds. The geometry is transformed and
 * written by the query (the reference), or read from the GeoJSON the database keeps (migration 0042), as the
 * service reads it: that second reference leaves only what the service adds around the same database work.
 */
export function featuresSql(where: ReturnType<typeof sql>, limit: number, geometry: 'computed' | 'stored' = 'computed') {
  const json = geometry === 'computed' ? sql`ST_AsGeoJSON(ST_Transform(u.geom, 4326), 7)` : sql`u.geojson_crs84`;
  return sql<{ features: string }>`SELECT coalesce(string_agg(f, ','), '') AS features FROM (
      SELECT '{"type":"Feature","id":' || to_json(u.id)::text || ',"geometry":'
        || coalesce(${json}, 'null') || ',"properties":'
        || json_build_object('name', u.name, 'level', u.level, 'version', u.version,
             'parent_id', u.parent_id, 'area_m2', u.area_m2)::text || '}' AS f
      FROM lor_unit u WHERE ${where} ORDER BY u.id LIMIT ${limit}) page`;
}

/** fails the run where the service and the reference disagree: the ratio would compare different work */
async function assertSameFeatures(ctx: BenchContext, path: string, reference: string): Promise<void> {
  const body = (await (await fetch(`${ctx.baseUrl}${path}`)).json()) as { features: unknown[] };
  const expected = JSON.parse(`[${reference}]`) as unknown[];
  if (JSON.stringify(body.features) !== JSON.stringify(expected)) {
    throw new Error(`${path}: the service's features differ from the reference SQL's`);
  }
}

/** fails the run where MapServer returns other features than the service (its numbers would measure other work) */
async function assertPeerAgrees(ctx: BenchContext, path: string, peerPath: string, limit: number): Promise<void> {
  const ids = async (url: string) => {
    const body = (await (await fetch(url)).json()) as { features: Array<{ id: string | number }> };
    return body.features.map((f) => String(f.id).replace(/^[^.]*\./, '')).sort();
  };
  const ours = await ids(`${ctx.baseUrl}${path}`);
  const theirs = await ids(`${ctx.peerUrl}${peerPath}`);
  // a full page may be another selection of the matches (MapServer does not order by id): then the counts agree.
  // Otherwise MapServer returns every feature the service does, and a few more: it brings the CRS84 box into the
  // storage CRS as the rectangle around the transformed box, a little larger than the box itself
  const mine = new Set(theirs);
  const same =
    ours.length === limit
      ? theirs.length === limit
      : ours.every((id) => mine.has(id)) && theirs.length <= Math.ceil(ours.length * 1.1);
  if (!same) throw new Error(`${path}: MapServer returned ${theirs.length} features (${peerPath}), the service ${ours.length}`);
  if (theirs.length !== ours.length) {
    console.error(`${path}: MapServer returns ${theirs.length} features, the service ${ours.length} (the box as a rectangle in EPSG:25833)`);
  }
}

export const planungsraeume2006 = sql`u.version = '2006' AND u.level = 'planungsraum'`;

// 100 000 polygons: the 448 real Planungsräume of 2006, simplified to 5 m and tiled 15 × 15 at 60 km spacing
const BENCH_VERSION = 'bench';
const SYNTHETIC = 100_000;

/** the bbox as the service brings it into storage (CRS84 clipped to the UTM zone's area, densified, transformed) */
export const bboxWhere = (version: string, b: number[]) => sql`u.version = ${version} AND u.level = 'planungsraum'
  AND ST_Intersects(u.geom, ST_Transform(ST_Segmentize(ST_ClipByBox2D(ST_MakeEnvelope(${b[0]}::float8, ${b[1]}::float8,
    ${b[2]}::float8, ${b[3]}::float8, 4326), ST_MakeEnvelope(-5, 0, 35, 84, 4326)::box2d), 0.01), 25833))`;
let box: number[] = [];
/** the bbox over the synthetic polygons (after buildSynthetic): a few hundred of them */
export const benchBox = (): number[] => box;
const benchWhere = () => bboxWhere(BENCH_VERSION, box);
// a box over the 448 Planungsräume of 2006 that meets exactly four of them (found by setup)
let smallBox: number[] = [];

/** MapServer's layers over the same rows (test/bench/mapserver.ts): the 448 Planungsräume, the 100 000 polygons */
export const peerLayers: PeerLayerSpec[] = [
  { name: 'pr2006', where: "version = '2006' AND level = 'planungsraum'" },
  { name: 'bench', where: `version = '${BENCH_VERSION}' AND level = 'planungsraum'` },
];

export async function buildSynthetic(ctx: BenchContext): Promise<void> {
  const { db } = ctx.database;
  await sql`INSERT INTO lor_version (version, label, valid_from) VALUES (${BENCH_VERSION}, 'bench: tiled 2006 Planungsräume', '2000-01-01')
    ON CONFLICT DO NOTHING`.execute(db);
  await sql`DELETE FROM lor_unit WHERE version = ${BENCH_VERSION}`.execute(db);
  await sql`DROP TABLE IF EXISTS bench_lor_base`.execute(db);
  await sql`CREATE UNLOGGED TABLE bench_lor_base AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, name, area_m2,
      ST_SimplifyPreserveTopology(geom, 5) AS g
    FROM lor_unit WHERE version = '2006' AND level = 'planungsraum'`.execute(db);
  // one statement per row of tiles keeps each well inside the statement timeout
  for (let row = 0; row < 15; row++) {
    await sql`INSERT INTO lor_unit (version, level, id, name, parent_id, area_m2, geom)
      SELECT ${BENCH_VERSION}, 'planungsraum', lpad((tile * 448 + k + 1)::text, 8, '0'), name || ' #' || tile, NULL,
        area_m2, ST_Multi(ST_Translate(g, (tile % 15) * 60000.0, (tile / 15) * 60000.0))
      FROM bench_lor_base CROSS JOIN generate_series(${row * 15}::int, ${row * 15 + 14}::int) tile
      WHERE tile * 448 + k + 1 <= ${SYNTHETIC}`.execute(db);
  }
  await sql`DROP TABLE bench_lor_base`.execute(db);
  await sql`ANALYZE lor_unit`.execute(db);
  // a box around the centre of tile 112 (the middle of the grid): a few hundred polygons
  const { rows } = await sql<{ w: number; s: number; e: number; n: number }>`SELECT ST_XMin(b) AS w, ST_YMin(b) AS s,
      ST_XMax(b) AS e, ST_YMax(b) AS n FROM (SELECT ST_Transform(ST_Expand(ST_Translate(ST_Centroid(geom),
        (112 % 15) * 60000.0, (112 / 15) * 60000.0), 9000), 4326) AS b
      FROM lor_unit WHERE version = '2006' AND level = 'berlin') x`.execute(db);
  const r = rows[0]!;
  box = [r.w, r.s, r.e, r.n].map((v) => Math.round(v * 1e6) / 1e6);
}

/**
 * a box that meets exactly four Planungsräume of 2006: around the first units' inner points, growing in 25 m steps,
 * rounded to 6 decimals as it goes into the URL, and counted with the service's own bbox SQL
 */
async function findSmallBox(ctx: BenchContext): Promise<number[]> {
  const { db } = ctx.database;
  const { rows } = await sql<{ w: number; s: number; e: number; n: number }>`WITH centres AS (
      SELECT id, ST_PointOnSurface(geom) AS p FROM lor_unit WHERE version = '2006' AND level = 'planungsraum' ORDER BY id LIMIT 40),
    boxes AS (SELECT c.id, half, ST_Transform(ST_Expand(c.p, half::float8), 4326) AS b
      FROM centres c CROSS JOIN generate_series(50, 1500, 25) half),
    rounded AS (SELECT id, half, round(ST_XMin(b)::numeric, 6)::float8 AS w, round(ST_YMin(b)::numeric, 6)::float8 AS s,
      round(ST_XMax(b)::numeric, 6)::float8 AS e, round(ST_YMax(b)::numeric, 6)::float8 AS n FROM boxes)
    SELECT w, s, e, n FROM rounded r
    WHERE (SELECT count(*) FROM lor_unit u WHERE u.version = '2006' AND u.level = 'planungsraum'
      AND ST_Intersects(u.geom, ST_Transform(ST_Segmentize(ST_ClipByBox2D(ST_MakeEnvelope(r.w, r.s, r.e, r.n, 4326),
        ST_MakeEnvelope(-5, 0, 35, 84, 4326)::box2d), 0.01), 25833))) = 4
    ORDER BY id, half LIMIT 1`.execute(db);
  const r = rows[0];
  if (!r) throw new Error('no box around the first Planungsräume of 2006 meets exactly four of them');
  const candidate = [r.w, r.s, r.e, r.n];
  const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit u WHERE ${bboxWhere('2006', candidate)}`.execute(db);
  if (count.rows[0]?.n !== 4) throw new Error(`the small box meets ${count.rows[0]?.n} Planungsräume, not 4`);
  return candidate;
}

/** a scenario and its twin against the raw SQL reading the stored GeoJSON (what HTTP, paging and links add) */
function pair(
  name: string,
  path: () => string,
  where: () => ReturnType<typeof sql>,
  limit: number,
  options: { setup?: (ctx: BenchContext) => Promise<void>; peer?: () => string } = {},
): BenchScenario[] {
  const main: BenchScenario = {
    name,
    warm: true,
    request: {
      get path() {
        return path();
      },
    },
    async setup(ctx) {
      await options.setup?.(ctx);
      const reference = await featuresSql(where(), limit).execute(ctx.database.db);
      await assertSameFeatures(ctx, path(), reference.rows[0]?.features ?? '');
      if (options.peer && ctx.peerUrl) await assertPeerAgrees(ctx, path(), options.peer(), limit);
    },
    async reference({ database }) {
      await featuresSql(where(), limit).execute(database.db);
    },
    ...(options.peer
      ? {
          peer: {
            get path() {
              return options.peer?.() ?? '';
            },
          },
        }
      : {}),
  };
  const stored: BenchScenario = {
    name: `${name}, vs raw SQL reading the stored GeoJSON`,
    warm: true,
    request: main.request,
    async reference({ database }) {
      await featuresSql(where(), limit, 'stored').execute(database.db);
    },
  };
  return [main, stored];
}

const pr2006 = '/collections/lor-2006-planungsraum/items';
const benchItems = '/collections/lor-bench-planungsraum/items';

export const scenarios: BenchScenario[] = [
  ...pair('geometry: items?limit=1000 over the 448 Planungsräume of 2006', () => `${pr2006}?limit=1000`, () => planungsraeume2006, 1000, {
    peer: () => '/collections/pr2006/items?f=json&limit=1000',
  }),
  ...pair('geometry: items?limit=10 over the 448 Planungsräume of 2006', () => `${pr2006}?limit=10`, () => planungsraeume2006, 10),
  ...pair(
    'geometry: items?bbox meeting 4 of the 448 Planungsräume of 2006',
    () => `${pr2006}?bbox=${smallBox.join(',')}`,
    () => bboxWhere('2006', smallBox),
    100,
    {
      async setup(ctx) {
        smallBox = await findSmallBox(ctx);
      },
    },
  ),
  ...pair(
    'geometry: items?bbox over 100 000 generated polygons (limit 1000)',
    () => `${benchItems}?limit=1000&bbox=${box.join(',')}`,
    benchWhere,
    1000,
    { setup: buildSynthetic, peer: () => `/collections/bench/items?f=json&limit=1000&bbox=${box.join(',')}` },
  ),
  ...pair('geometry: items?bbox over 100 000 generated polygons (limit 100)', () => `${benchItems}?limit=100&bbox=${box.join(',')}`, benchWhere, 100, {
    peer: () => `/collections/bench/items?f=json&limit=100&bbox=${box.join(',')}`,
  }),
  {
    // after the synthetic collection is built: one of the listed collections has 100 000 polygons
    name: 'geometry: /collections with a collection of 100 000 polygons (vs reading the collections\' rows)',
    request: { path: '/collections' },
    async setup(ctx) {
      const body = (await (await fetch(`${ctx.baseUrl}/collections`)).json()) as {
        collections: Array<{ id: string; extent?: { spatial?: { bbox: number[][] } } }>;
      };
      const bench = body.collections.find((c) => c.id === 'lor-bench-planungsraum');
      if (!bench?.extent?.spatial) throw new Error('/collections does not list lor-bench-planungsraum with its extent');
    },
    async reference({ database }) {
      await sql`SELECT (SELECT json_agg(v) FROM lor_version v) AS versions, (SELECT json_agg(d) FROM facility_dataset d) AS datasets`.execute(
        database.db,
      );
    },
  },
];
