// Geometry: OGC API Features items against the raw SQL that produces the same GeoJSON features.
import { sql } from '@datenpool/db';
import type { BenchContext, BenchScenario } from '../types.ts';

/**
 * the features of one page as PostGIS writes them: the same text the service embeds. The geometry is transformed and
 * written by the query (the reference), or read from the GeoJSON the database keeps (migration 0042), as the
 * service reads it: that second reference leaves only what the service adds around the same database work.
 */
function featuresSql(where: ReturnType<typeof sql>, limit: number, geometry: 'computed' | 'stored' = 'computed') {
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

const planungsraeume2006 = sql`u.version = '2006' AND u.level = 'planungsraum'`;

// 100 000 polygons: the 448 real Planungsräume of 2006, simplified to 5 m and tiled 15 × 15 at 60 km spacing
const BENCH_VERSION = 'bench';
const SYNTHETIC = 100_000;
let box: number[] = [];
const benchWhere = () => sql`u.version = ${BENCH_VERSION} AND u.level = 'planungsraum'
  AND ST_Intersects(u.geom, ST_Transform(ST_Segmentize(ST_ClipByBox2D(ST_MakeEnvelope(${box[0]}::float8, ${box[1]}::float8,
    ${box[2]}::float8, ${box[3]}::float8, 4326), ST_MakeEnvelope(-5, 0, 35, 84, 4326)::box2d), 0.01), 25833))`;

const bboxScenario: BenchScenario = {
  name: 'geometry: items?bbox over 100 000 generated polygons (limit 1000)',
  request: { path: '' },
  async setup(ctx) {
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
    bboxScenario.request.path = `/collections/lor-bench-planungsraum/items?limit=1000&bbox=${box.join(',')}`;
    const reference = await featuresSql(benchWhere(), 1000).execute(db);
    await assertSameFeatures(ctx, bboxScenario.request.path, reference.rows[0]?.features ?? '');
  },
  async reference({ database }) {
    await featuresSql(benchWhere(), 1000).execute(database.db);
  },
};

const itemsPath = '/collections/lor-2006-planungsraum/items?limit=1000';

export const scenarios: BenchScenario[] = [
  {
    name: 'geometry: items?limit=1000 over the 448 Planungsräume of 2006',
    request: { path: itemsPath },
    async setup(ctx) {
      const reference = await featuresSql(planungsraeume2006, 1000).execute(ctx.database.db);
      await assertSameFeatures(ctx, itemsPath, reference.rows[0]?.features ?? '');
    },
    async reference({ database }) {
      await featuresSql(planungsraeume2006, 1000).execute(database.db);
    },
  },
  {
    name: 'geometry: items?limit=1000 over the 448 Planungsräume of 2006, vs raw SQL reading the stored GeoJSON',
    request: { path: itemsPath },
    async reference({ database }) {
      await featuresSql(planungsraeume2006, 1000, 'stored').execute(database.db);
    },
  },
  bboxScenario,
  {
    name: 'geometry: items?bbox over 100 000 generated polygons, vs raw SQL reading the stored GeoJSON',
    // the path is the bbox scenario's, set by its setup, which runs first
    request: {
      get path() {
        return bboxScenario.request.path;
      },
    },
    async reference({ database }) {
      await featuresSql(benchWhere(), 1000, 'stored').execute(database.db);
    },
  },
];
