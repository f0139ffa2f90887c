// GDAL's OGC API Features client (OAPIF driver) against the gateway: collections, counts, downloads, -spat.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from '@datenpool/db';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { requireExecutable } from './support/real-client.ts';

const run = promisify(execFile);
// ten collections downloaded by child processes take longer than tap's default 30 s
t.setTimeout(600_000);
const ogrinfo = requireExecutable(t, ['/usr/bin/ogrinfo', '/usr/local/bin/ogrinfo'], 'gdal-bin');
const ogr2ogr = path.join(path.dirname(ogrinfo), 'ogr2ogr');

// GDAL runs in child processes while this process serves: the calls must stay asynchronous
const { app, database } = await testGateway(t, { RATE_LIMIT_MAX: '1000000' });
const base = await serveOnLoopback(app);
const source = `OAPIF:${base}`;
const workdir = mkdtempSync(path.join(tmpdir(), 'datenpool-gdal-'));
t.teardown(() => rmSync(workdir, { recursive: true, force: true }));

const gdal = async (tool: string, args: string[]) =>
  (await run(tool, args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CPL_DEBUG: 'OFF' } })).stdout;

const { rows: counts } = await sql<{ id: string; n: number }>`SELECT 'lor-' || v.version || '-' || l.level AS id,
    (SELECT count(*)::int FROM lor_unit u WHERE u.version = v.version AND u.level = l.level) AS n
  FROM lor_version v CROSS JOIN unnest(ARRAY['berlin','bezirk','prognoseraum','bezirksregion','planungsraum']) WITH ORDINALITY l(level, o)
  ORDER BY v.version, l.o`.execute(database.db);

t.test('ogrinfo lists every collection', async (t) => {
  const out = await gdal(ogrinfo, ['-ro', '-so', source]);
  const layers = [...out.matchAll(/^\d+: (\S+)/gm)].map((m) => m[1]);
  const served = (await app.inject({ url: '/collections?f=json' })).json().collections.map((c: { id: string }) => c.id);
  t.same(layers, served, 'every collection of /collections, other services\' layers included');
  t.same(
    layers.filter((id) => id?.startsWith('lor-')),
    counts.map((c) => c.id),
    'one per LOR version and level',
  );
});

t.test('ogrinfo reports each collection with its real feature count', async (t) => {
  for (const { id, n } of counts) {
    const out = await gdal(ogrinfo, ['-ro', '-so', source, id]);
    t.equal(Number(/Feature Count: (\d+)/.exec(out)?.[1]), n, `${id}: ${n}`);
  }
  t.equal(counts.find((c) => c.id === 'lor-2006-planungsraum')?.n, 448);
});

t.test('ogrinfo lists the 2021 Planungsräume and Bezirksregionen with 542 and 143 features, every one with a polygon', async (t) => {
  for (const [id, units] of [['lor-2021-planungsraum', 542], ['lor-2021-bezirksregion', 143]] as const) {
    const summary = await gdal(ogrinfo, ['-ro', '-so', source, id]);
    t.equal(Number(/Feature Count: (\d+)/.exec(summary)?.[1]), units, `${id}: ${units} features`);
    t.match(summary, /Geometry: Multi Polygon/, `${id}: polygons`);
    // GDAL reads every feature and counts those with geometry itself (SQLite dialect)
    const out = await gdal(ogrinfo, [
      '-ro', '-dialect', 'SQLite', '-sql',
      `SELECT count(*) AS n, sum(CASE WHEN ST_IsEmpty(geometry) = 0 THEN 1 ELSE 0 END) AS polygons FROM "${id}"`,
      source,
    ]);
    t.equal(Number(/\bn \(Integer\) = (\d+)/.exec(out)?.[1]), units, `${id}: ${units} features read`);
    t.equal(Number(/polygons \(Integer\) = (\d+)/.exec(out)?.[1]), units, `${id}: each with a non-empty geometry`);
  }
  const [w, s, e, n] = [13.35, 52.49, 13.45, 52.53];
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit
    WHERE version = '2021' AND level = 'planungsraum'
      AND ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326))`.execute(database.db);
  const spat = await gdal(ogrinfo, ['-ro', '-so', '-spat', String(w), String(s), String(e), String(n), source, 'lor-2021-planungsraum']);
  t.ok((rows[0]?.n ?? 0) > 10);
  t.equal(Number(/Feature Count: (\d+)/.exec(spat)?.[1]), rows[0]?.n, `-spat over the 2021 Planungsräume: ${rows[0]?.n}`);
});

t.test('the indicator layer of anteil_65_plus (2021 Planungsräume by default) reaches GDAL with a polygon per feature', async (t) => {
  const id = 'indicator-anteil_65_plus';
  const page = (await app.inject({ url: `/collections/${id}/items?f=json&limit=1` })).json();
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM indicator_value
    WHERE indicator_id = 'anteil_65_plus' AND lor_version = '2021' AND level = 'planungsraum' AND breakdown = ''
      AND ref_date = (SELECT max(ref_date) FROM indicator_value WHERE indicator_id = 'anteil_65_plus' AND lor_version = '2021')`.execute(database.db);
  t.ok((rows[0]?.n ?? 0) > 500, `${rows[0]?.n} Planungsräume with a value on the latest date`);
  t.equal(page.numberMatched, rows[0]?.n, 'the layer holds them');
  const out = await gdal(ogrinfo, [
    '-ro', '-dialect', 'SQLite', '-sql',
    `SELECT count(*) AS n, sum(CASE WHEN ST_IsEmpty(geometry) = 0 THEN 1 ELSE 0 END) AS polygons FROM "${id}"`,
    source,
  ]);
  t.equal(Number(/polygons \(Integer\) = (\d+)/.exec(out)?.[1]), rows[0]?.n, 'each with a non-empty geometry');
});

t.test('ogr2ogr downloads every feature of every collection, following next links', async (t) => {
  for (const { id, n } of counts) {
    const target = path.join(workdir, `${id}.geojson`);
    // a page size below the largest collection makes GDAL follow next links
    await gdal(ogr2ogr, ['-f', 'GeoJSON', target, source, id, '-oo', 'PAGE_SIZE=100']);
    const features = JSON.parse(readFileSync(target, 'utf8')).features as Array<{ properties: { id: string } }>;
    const ids = features.map((f) => f.properties.id);
    t.equal(features.length, n, `${id}: ${n} features`);
    t.equal(new Set(ids).size, n, `${id}: no duplicates`);
  }
});

t.test('ogrinfo -spat counts what the equivalent PostGIS query counts', async (t) => {
  const boxes = [
    [13.3, 52.48, 13.42, 52.54],
    [13.1, 52.4, 13.25, 52.45],
  ];
  for (const box of boxes) {
    const [w, s, e, n] = box as [number, number, number, number];
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit
      WHERE version = '2006' AND level = 'planungsraum'
        AND ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326))`.execute(database.db);
    const out = await gdal(ogrinfo, ['-ro', '-so', '-spat', ...box.map(String), source, 'lor-2006-planungsraum']);
    t.equal(Number(/Feature Count: (\d+)/.exec(out)?.[1]), rows[0]?.n, `box ${box.join(',')}: ${rows[0]?.n}`);
  }
});

// GDAL 3.6 sends no CQL2 (only the pre-standard cql-text draft), so it evaluates -where itself
t.test('ogrinfo -where over all downloaded features counts like SQL', async (t) => {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit
    WHERE version = '2006' AND level = 'planungsraum' AND area_m2 > 1000000`.execute(database.db);
  const out = await gdal(ogrinfo, ['-ro', '-so', '-where', 'area_m2 > 1000000', source, 'lor-2006-planungsraum']);
  t.equal(Number(/Feature Count: (\d+)/.exec(out)?.[1]), rows[0]?.n);
});
