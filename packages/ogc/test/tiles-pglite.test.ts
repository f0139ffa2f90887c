// The embedded database (PGlite: PostGIS without protobuf-c, so no ST_AsMVT) draws the same tiles as PostgreSQL: the
// 2021 LOR units and an indicator's values copied from the PostgreSQL test database, the same tiles from both gateways.
import { createDb, type DatabaseHandle, migrateToLatest, sql } from '@datenpool/db';
import { buildGateway } from '../../../services/gateway/src/index.ts';
import { type App, serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { tileOf } from '../src/tiles/matrix-set.ts';
import { decodeLayer, type DecodedFeature, itemsOfTile, type TileCoordinate } from './tiles-support.ts';

t.setTimeout(900_000);
const INDICATOR = 'anteil_65_plus';
const postgres = await testGateway(t);
const embedded = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 120_000 });
t.teardown(() => embedded.close());
await migrateToLatest(embedded.db);

/** copies the rows of `table` that `where` selects, column by column (generated columns are computed again) */
async function copyRows(from: DatabaseHandle, to: DatabaseHandle, table: string, where: ReturnType<typeof sql>, order: ReturnType<typeof sql>) {
  const { rows: columns } = await sql<{ name: string; geometry: boolean }>`SELECT column_name AS name, udt_name = 'geometry' AS geometry
    FROM information_schema.columns WHERE table_name = ${table} AND table_schema = 'public' AND is_generated = 'NEVER'
    ORDER BY ordinal_position`.execute(from.db);
  const picked = columns.map((c) => (c.geometry ? sql`encode(ST_AsEWKB(${sql.ref(c.name)}), 'hex')` : sql.ref(c.name)));
  const names = columns.map((c) => sql.ref(c.name));
  const { rows } = await sql<{ rows: unknown[] | null }>`SELECT jsonb_agg(to_jsonb(r) ORDER BY r.ord) AS rows FROM (
      SELECT row_number() OVER (ORDER BY ${order}) AS ord, ${sql.join(picked.map((p, i) => sql`${p} AS ${names[i]!}`))}
      FROM ${sql.table(table)} WHERE ${where}) r`.execute(from.db);
  const data = rows[0]?.rows ?? [];
  await sql`INSERT INTO ${sql.table(table)} (${sql.join(names)})
    SELECT ${sql.join(names)} FROM jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(data)}::jsonb)
    ON CONFLICT DO NOTHING`.execute(to.db);
  return data.length;
}

const levelOrder = sql`array_position(ARRAY['berlin','bezirk','prognoseraum','bezirksregion','planungsraum']::text[], level::text), id`;
await copyRows(postgres.database, embedded, 'lor_version', sql`version = '2021'`, sql`version`);
const units = await copyRows(postgres.database, embedded, 'lor_unit', sql`version = '2021'`, levelOrder);
const values = await copyRows(postgres.database, embedded, 'indicator_value', sql`indicator_id = ${INDICATOR} AND lor_version = '2021'`, sql`level, unit_id, ref_date, breakdown`);
const pglite: App = await buildGateway({ config: serviceConfigFromEnv({ LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000' }), database: embedded });
await pglite.ready();
t.teardown(() => pglite.close());

const tilePath = (collection: string, c: TileCoordinate, query = '') => `/collections/${collection}/tiles/WebMercatorQuad/${c.z}/${c.row}/${c.col}${query}`;

async function tileOfBoth(collection: string, c: TileCoordinate, query = '') {
  const [a, b] = await Promise.all([postgres.app, pglite].map((app) => app.inject({ url: tilePath(collection, c, query) })));
  return { postgres: a!, pglite: b! };
}

const unitsOf = (features: DecodedFeature[]) => features.map((f) => ({ type: f.type, properties: f.properties }));

t.test('the databases: PostgreSQL has ST_AsMVT, PGlite not; the copy holds the 2021 units and the values', async (t) => {
  t.equal(postgres.database.capabilities.mvt, true);
  t.equal(embedded.capabilities.engine, 'pglite');
  t.equal(embedded.capabilities.mvt, false, 'PGlite: tiles come from the encoder library');
  t.ok(units > 700, `${units} LOR units copied`);
  t.ok(values > 500, `${values} indicator values copied`);
});

const cases: Array<[string, TileCoordinate, string]> = [
  ['lor-2021-planungsraum', tileOf(13.41, 52.52, 12), ''],
  ['lor-2021-planungsraum', tileOf(13.35, 52.5, 14), ''],
  ['lor-2021-planungsraum', tileOf(13.41, 52.52, 9), ''],
  ['lor-2021-bezirk', tileOf(13.3, 52.45, 11), ''],
  [`indicator-${INDICATOR}`, tileOf(13.41, 52.52, 12), ''],
  [`indicator-${INDICATOR}`, tileOf(13.41, 52.52, 10), `?filter=${encodeURIComponent("level='bezirksregion'")}`],
];

for (const [collection, c, query] of cases) {
  t.test(`${collection} ${c.z}/${c.row}/${c.col}${query}: the same features and properties on both databases`, async (t) => {
    const both = await tileOfBoth(collection, c, query);
    t.equal(both.postgres.statusCode, 200, 'PostgreSQL: a tile');
    t.equal(both.pglite.statusCode, 200, 'PGlite: a tile');
    t.equal(both.pglite.headers['content-type'], 'application/vnd.mapbox-vector-tile');
    const a = decodeLayer(both.postgres.rawPayload, collection);
    const b = decodeLayer(both.pglite.rawPayload, collection);
    t.equal(b.extent, 4096);
    t.ok(a.features.length > 0, `${a.features.length} features`);
    t.same(unitsOf(b.features), unitsOf(a.features), 'the same features in the same order, with the same properties');
    // the geometry: ST_AsMVTGeom's and the SQL's clip and snap agree to a few grid units (of 4096; ST_AsMVTGeom also
    // drops vertices that the snap made collinear, which moves a box corner where it was one)
    const apart = a.features.map((f, i) => Math.max(...f.box.map((v, k) => Math.abs(v - (b.features[i]?.box[k] ?? Infinity)))));
    t.ok(Math.max(...apart) <= 4, `every feature's box within ${Math.max(...apart)} grid units`);
    const vertices = (fs: DecodedFeature[]) => fs.reduce((n, f) => n + f.vertices, 0);
    const ratio = vertices(b.features) / vertices(a.features);
    t.ok(ratio > 0.8 && ratio < 1.25, `vertices: PGlite ${vertices(b.features)}, PostgreSQL ${vertices(a.features)}`);
    // and both are the features items gives for the tile's bbox on PGlite too
    const items = await itemsOfTile(pglite, collection, c, query);
    t.same(b.features.map((f) => f.properties.id).sort(), items.map((f) => f.id).sort(), 'PGlite: the features of items');
  });
}

t.test('PGlite: an empty area is 204, a repeated request with the ETag 304', async (t) => {
  const empty = await pglite.inject({ url: tilePath('lor-2021-planungsraum', { z: 12, row: 0, col: 0 }) });
  t.equal(empty.statusCode, 204);
  const c = tileOf(13.41, 52.52, 12);
  const first = await pglite.inject({ url: tilePath('lor-2021-planungsraum', c) });
  const again = await pglite.inject({ url: tilePath('lor-2021-planungsraum', c), headers: { 'if-none-match': first.headers.etag as string } });
  t.equal(again.statusCode, 304);
});

t.test('PGlite: an indicator tile is kept while its version stands; a new value with a new version is in the next tile', async (t) => {
  const layer = `indicator-${INDICATOR}`;
  const path = tilePath(layer, tileOf(13.41, 52.52, 12));
  const first = await pglite.inject({ url: path });
  t.equal(first.statusCode, 200);
  const before = decodeLayer(first.rawPayload, layer).features.find((f) => typeof f.properties.value === 'number');
  t.ok(before, 'a feature with a value');
  const [unit, year] = String(before!.properties.id).split('_');
  await sql`UPDATE indicator_value SET value = value + 1000 WHERE indicator_id = ${INDICATOR} AND lor_version = '2021'
    AND level = 'planungsraum' AND unit_id = ${unit} AND breakdown = '' AND extract(year FROM ref_date) = ${Number(year)}`.execute(embedded.db);
  const kept = await pglite.inject({ url: path });
  t.equal(kept.headers.etag, first.headers.etag, 'no new version: the same ETag');
  t.ok(kept.rawPayload.equals(first.rawPayload), 'and the kept tile');
  // a new data version, as the units' trigger writes it on a change of the version's units
  await sql`UPDATE lor_version SET updated_at = updated_at + interval '1 second' WHERE version = '2021'`.execute(embedded.db);
  const after = await pglite.inject({ url: path });
  t.not(after.headers.etag, first.headers.etag, 'a new version, a new ETag');
  const feature = decodeLayer(after.rawPayload, layer).features.find((f) => f.properties.id === before!.properties.id);
  t.ok(Math.abs((feature?.properties.value as number) - (before!.properties.value as number) - 1000) < 1e-6, 'the new value in the tile');
  const current = await pglite.inject({ url: path, headers: { 'if-none-match': after.headers.etag as string } });
  t.equal(current.statusCode, 304, 'the current ETag: 304');
});
