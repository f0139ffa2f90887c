// GDAL reads the downloads: `?f=gpkg` as a GeoPackage (layer, count, CRS, fields, no warnings), `?f=csv` as CSV
// with a WKT geometry; pandas reads the CSV. Counts and values are compared with the database and with the GeoJSON items.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from '@datenpool/db';
import t from 'tap';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { PYTHON, requireExecutable, requirePythonModule } from './support/real-client.ts';

const run = promisify(execFile);
t.setTimeout(600_000);
const ogrinfo = requireExecutable(t, ['/usr/bin/ogrinfo', '/usr/local/bin/ogrinfo'], 'gdal-bin');
requirePythonModule(t, 'pandas', 'python3-pandas');
requirePythonModule(t, 'osgeo.ogr', 'python3-gdal');
/** GDAL's GeoPackage validator (the requirements of OGC 12-128 it checks, R-tree and triggers included) */
const validator = requireExecutable(
  t,
  ['/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py', '/usr/share/doc/python3-gdal/examples/validate_gpkg.py'],
  'python3-gdal',
);
const validate = async (file: string) => {
  const { stdout, stderr } = await run(PYTHON, [validator, file], { timeout: 120_000 }).catch((e) => ({ stdout: String(e.stdout), stderr: String(e.stderr || e.message) }));
  return `${stdout}${stderr}`;
};

// the gateway as deployed: the features plugin with the download formats
const { app, database } = await testGateway(t);
const base = await serveOnLoopback(app);
const workdir = mkdtempSync(path.join(tmpdir(), 'datenpool-downloads-'));
t.teardown(() => rmSync(workdir, { recursive: true, force: true }));

/** GDAL's output and its warnings (stderr), which must be empty */
const gdal = async (args: string[]) => {
  const { stdout, stderr } = await run(ogrinfo, args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CPL_DEBUG: 'OFF' } });
  return { stdout, stderr };
};

async function download(url: string, file: string): Promise<{ headers: Headers; file: string }> {
  const res = await fetch(`${base}${url}`);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const target = path.join(workdir, file);
  writeFileSync(target, Buffer.from(await res.arrayBuffer()));
  return { headers: res.headers, file: target };
}

const count = async (condition: ReturnType<typeof sql>) =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit u WHERE ${condition}`.execute(database.db)).rows[0]?.n ?? -1;

t.test('ogrinfo reads the GeoPackage of the 2021 Planungsräume: one layer, every unit, EPSG:25833, typed fields, no warnings', async (t) => {
  const { headers, file } = await download('/collections/lor-2021-planungsraum/items?f=gpkg', 'pr.gpkg');
  t.equal(headers.get('content-type'), 'application/geopackage+sqlite3');
  t.equal(headers.get('content-disposition'), 'attachment; filename="lor-2021-planungsraum.gpkg"');
  t.ok(headers.get('etag'), 'an ETag like every items answer');
  const expected = await count(sql`u.version = '2021' AND u.level = 'planungsraum'`);
  t.ok(expected > 500, `the database holds ${expected} Planungsräume`);

  const listing = await gdal(['-ro', file]);
  t.equal(listing.stderr, '', 'no warnings opening it');
  t.match(listing.stdout, /^1: lor-2021-planungsraum \(Multi Polygon\)$/m, 'one layer, named after the collection, of multipolygons');

  const summary = await gdal(['-ro', '-so', file, 'lor-2021-planungsraum']);
  t.equal(summary.stderr, '', 'no warnings in the summary');
  t.equal(Number(/Feature Count: (\d+)/.exec(summary.stdout)?.[1]), expected, 'feature count = the units in the database');
  t.match(summary.stdout, /ID\["EPSG",25833\]\]\s*$/m, 'CRS EPSG:25833');
  t.match(summary.stdout, /^id: String/m);
  t.match(summary.stdout, /^name: String/m);
  t.match(summary.stdout, /^parent_id: String/m);
  t.match(summary.stdout, /^area_m2: Real/m, 'numbers are a Real field');
  const items = (await app.inject({ url: '/collections/lor-2021-planungsraum/items?limit=1' })).json();
  t.equal(items.numberMatched, expected, 'the same count as numberMatched of the items');

  // every feature with its geometry, read by GDAL itself, and the geometries' area as PostGIS computes it
  const read = await gdal(['-ro', '-dialect', 'SQLite', '-sql', 'SELECT count(*) AS n, sum(ST_Area(geom)) AS a FROM "lor-2021-planungsraum" WHERE geom IS NOT NULL', file]);
  t.equal(read.stderr, '');
  const area = (await sql<{ a: number }>`SELECT sum(ST_Area(geom)) AS a FROM lor_unit WHERE version = '2021' AND level = 'planungsraum'`.execute(database.db)).rows[0]?.a ?? 0;
  t.equal(Number(/n \(Integer\) = (\d+)/.exec(read.stdout)?.[1]), expected, 'every feature has a geometry');
  t.ok(Math.abs(Number(/a \(Real\) = ([\d.e+]+)/.exec(read.stdout)?.[1]) - area) / area < 1e-9, 'the same area as in PostGIS');

  const inspected = await run(PYTHON, ['-c', inspectScript, file], { timeout: 120_000 });
  t.same(JSON.parse(inspected.stdout), {
    applicationId: 0x47504b47,
    userVersion: 10300,
    srs: [-1, 0, 4326, 25833],
    envelopesMatch: true,
    rtree: ['ok', expected],
    extensions: [['lor-2021-planungsraum', 'geom', 'gpkg_rtree_index']],
  });
  t.equal(await validate(file), '', "GDAL's validate_gpkg.py finds nothing");

  // GDAL answers a spatial filter from the R-tree; the features are those whose box meets it, as in PostGIS
  const spat = await gdal(['-ro', '-so', '-spat', '389000', '5819000', '392000', '5822000', file, 'lor-2021-planungsraum']);
  t.equal(
    Number(/Feature Count: (\d+)/.exec(spat.stdout)?.[1]),
    await count(sql`u.version = '2021' AND u.level = 'planungsraum' AND ST_Intersects(u.geom, ST_MakeEnvelope(389000, 5819000, 392000, 5822000, 25833))`),
    'a spatial filter',
  );
});

/**
 * reads the file with sqlite3 (which has the R*Tree module) and OGR: the GeoPackage header fields, the SRS table, the
 * envelope of each geometry header, SQLite's own check of the R-tree and its size, the extensions
 */
const inspectScript = `
import json, sqlite3, struct, sys
from osgeo import ogr
con = sqlite3.connect(sys.argv[1])
app = con.execute('PRAGMA application_id').fetchone()[0]
ver = con.execute('PRAGMA user_version').fetchone()[0]
srs = [r[0] for r in con.execute('SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id')]
ok = True
for (blob,) in con.execute('SELECT geom FROM "lor-2021-planungsraum"'):
    assert blob[:2] == b'GP'
    flags = blob[3]
    minx, maxx, miny, maxy = struct.unpack('<4d', blob[8:40])
    g = ogr.CreateGeometryFromWkb(bytes(blob[40:]))
    e = g.GetEnvelope()
    ok = ok and flags == 3 and abs(e[0] - minx) < 1e-6 and abs(e[1] - maxx) < 1e-6 and abs(e[2] - miny) < 1e-6 and abs(e[3] - maxy) < 1e-6
rtree = [con.execute("SELECT rtreecheck('rtree_lor-2021-planungsraum_geom')").fetchone()[0], con.execute('SELECT count(*) FROM "rtree_lor-2021-planungsraum_geom"').fetchone()[0]]
ext = [list(r) for r in con.execute('SELECT table_name, column_name, extension_name FROM gpkg_extensions')]
print(json.dumps({'applicationId': app, 'userVersion': ver, 'srs': srs, 'envelopesMatch': ok, 'rtree': rtree, 'extensions': ext}))
`;

t.test('a filtered GeoPackage holds the filtered set, sorted as asked, in the CRS asked for', async (t) => {
  const url = `/collections/lor-2021-planungsraum/items?f=gpkg&filter=${encodeURIComponent("parent_id LIKE '01%'")}&sortby=-area_m2&crs=${encodeURIComponent('http://www.opengis.net/def/crs/OGC/1.3/CRS84')}`;
  const { file } = await download(url, 'filtered.gpkg');
  const expected = await count(sql`u.version = '2021' AND u.level = 'planungsraum' AND u.parent_id LIKE '01%'`);
  t.ok(expected > 0 && expected < 542, `${expected} units in Bezirk 01`);
  const summary = await gdal(['-ro', '-so', file, 'lor-2021-planungsraum']);
  t.equal(summary.stderr, '');
  t.equal(Number(/Feature Count: (\d+)/.exec(summary.stdout)?.[1]), expected);
  t.match(summary.stdout, /ID\["EPSG",4326\]\]\s*$/m, 'CRS84 is written as EPSG:4326 (x = longitude)');
  const extent = /Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)/.exec(summary.stdout);
  t.ok(Number(extent?.[1]) > 13 && Number(extent?.[1]) < 14 && Number(extent?.[2]) > 52, 'longitude first, in Berlin');
  const order = await gdal(['-ro', '-dialect', 'SQLite', '-sql', 'SELECT id FROM "lor-2021-planungsraum" ORDER BY fid', file]);
  const ids = [...order.stdout.matchAll(/id \(String\) = (\S+)/g)].map((m) => m[1]);
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2021' AND level = 'planungsraum'
    AND parent_id LIKE '01%' ORDER BY area_m2 DESC, id`.execute(database.db);
  t.same(ids, rows.map((r) => r.id), 'in the order of sortby');
  t.equal(await validate(file), '', 'valid (validate_gpkg.py)');
});

t.test('limit and offset choose a part of the set; an empty set is a valid empty GeoPackage', async (t) => {
  const part = await download('/collections/lor-2021-planungsraum/items?f=gpkg&limit=20&offset=500', 'part.gpkg');
  const summary = await gdal(['-ro', '-so', part.file, 'lor-2021-planungsraum']);
  t.equal(Number(/Feature Count: (\d+)/.exec(summary.stdout)?.[1]), 20);
  const none = await download(`/collections/lor-2021-planungsraum/items?f=gpkg&filter=${encodeURIComponent("name = 'nowhere'")}`, 'none.gpkg');
  const empty = await gdal(['-ro', '-so', none.file, 'lor-2021-planungsraum']);
  t.equal(empty.stderr, '');
  t.equal(Number(/Feature Count: (\d+)/.exec(empty.stdout)?.[1]), 0);
  t.equal(await validate(none.file), '', 'the empty one is valid too (validate_gpkg.py)');
});

t.test('the CSV has one row per feature with the WKT geometry; GDAL and pandas read it', async (t) => {
  const { headers, file } = await download('/collections/lor-2021-bezirksregion/items?f=csv', 'br.csv');
  t.match(headers.get('content-type'), /^text\/csv/);
  t.equal(headers.get('content-disposition'), 'attachment; filename="lor-2021-bezirksregion.csv"');
  t.equal(headers.get('content-crs'), '<http://www.opengis.net/def/crs/OGC/1.3/CRS84>');
  const expected = await count(sql`u.version = '2021' AND u.level = 'bezirksregion'`);
  const script = `
import json, sys, pandas
from osgeo import ogr
df = pandas.read_csv(sys.argv[1], dtype={'id': str, 'parent_id': str})
geoms = [ogr.CreateGeometryFromWkt(w) for w in df['WKT']]
print(json.dumps({'rows': len(df), 'columns': list(df.columns), 'valid': all(g is not None and g.IsValid() for g in geoms),
  'types': sorted(set(g.GetGeometryName() for g in geoms)), 'ids': list(df['id']),
  'minx': min(g.GetEnvelope()[0] for g in geoms), 'area': float(df['area_m2'].sum())}))
`;
  const out = JSON.parse((await run(PYTHON, ['-c', script, file], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 })).stdout);
  t.equal(out.rows, expected, 'one row per unit');
  t.same(out.columns, ['id', 'name', 'level', 'version', 'parent_id', 'area_m2', 'WKT']);
  t.ok(out.valid, 'every WKT parses with OGR to a valid geometry');
  t.same(out.types, ['MULTIPOLYGON']);
  t.ok(out.minx > 13 && out.minx < 14, 'CRS84: longitude first');
  const { rows } = await sql<{ id: string; area: number }>`SELECT id, area_m2 AS area FROM lor_unit WHERE version = '2021' AND level = 'bezirksregion' ORDER BY id`.execute(database.db);
  t.same(out.ids, rows.map((r) => r.id), 'ids as text, leading zeros kept, in id order');
  t.ok(Math.abs(out.area - rows.reduce((s, r) => s + Number(r.area), 0)) < 1, 'the areas of the database');

  const csv = await gdal(['-ro', '-so', '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', file, 'br']);
  t.equal(csv.stderr, '');
  t.equal(Number(/Feature Count: (\d+)/.exec(csv.stdout)?.[1]), expected, 'GDAL counts the same rows');
  const extent = /Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)/.exec(csv.stdout)?.slice(1).map(Number) ?? [];
  t.ok(extent[0]! > 13 && extent[2]! < 14 && extent[1]! > 52 && extent[3]! < 53, `GDAL reads the WKT column as geometry: ${extent}`);
});

t.test('the CSV in EPSG:25833 has metres; properties= selects the columns', async (t) => {
  const crs = encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/25833');
  const res = await fetch(`${base}/collections/lor-2021-bezirk/items?f=csv&crs=${crs}&properties=name`);
  t.equal(res.status, 200);
  const text = await res.text();
  const lines = text.trimEnd().split('\r\n');
  t.equal(lines[0], 'id,name,WKT');
  t.equal(lines.length - 1, await count(sql`u.version = '2021' AND u.level = 'bezirk'`));
  const x = Number(/MULTIPOLYGON\(\(\(([\d.]+) /.exec(lines[1] ?? '')?.[1]);
  t.ok(x > 360_000 && x < 420_000, `UTM easting in Berlin (${x})`);
});

t.test('an indicator layer downloads with its typed values; a bad filter is a 400 naming filter', async (t) => {
  const layers = (await app.inject({ url: '/collections?f=json' })).json().collections.map((c: { id: string }) => c.id).filter((id: string) => id.startsWith('indicator-'));
  t.ok(layers.length > 0, 'indicator layers are served');
  const id = layers[0] as string;
  const matched = (await app.inject({ url: `/collections/${id}/items?limit=1` })).json().numberMatched;
  const { file } = await download(`/collections/${id}/items?f=gpkg`, 'indicator.gpkg');
  const summary = await gdal(['-ro', '-so', file, id]);
  t.equal(summary.stderr, '');
  t.equal(Number(/Feature Count: (\d+)/.exec(summary.stdout)?.[1]), matched, `${id}: numberMatched features`);
  t.match(summary.stdout, /^value: Real/m);
  t.match(summary.stdout, /^date: Date/m);
  const bad = await app.inject({ url: `/collections/${id}/items?f=gpkg&filter=${encodeURIComponent('nosuch = 1')}` });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().invalidParams?.[0]?.name, 'filter');
});

t.test('every collection downloads: five features of each as GeoPackage (GDAL, no warnings) and as CSV', async (t) => {
  const collections = (await app.inject({ url: '/collections?f=json' })).json().collections as Array<{ id: string }>;
  t.ok(collections.some((c) => !c.id.startsWith('lor-') && !c.id.startsWith('indicator-')), 'facility collections too');
  for (const { id } of collections) {
    const matched = (await app.inject({ url: `/collections/${id}/items?limit=1` })).json().numberMatched as number;
    const expected = Math.min(5, matched);
    const { file } = await download(`/collections/${id}/items?f=gpkg&limit=5&crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/3857')}`, `${id}.gpkg`);
    const summary = await gdal(['-ro', '-so', file, id]);
    t.equal(summary.stderr, '', `${id}: no warnings`);
    t.equal(Number(/Feature Count: (\d+)/.exec(summary.stdout)?.[1]), expected, `${id}: ${expected} features`);
    t.match(summary.stdout, /ID\["EPSG",3857\]\]\s*$/m, `${id}: in the CRS asked for`);
    t.equal(await validate(file), '', `${id}: valid (validate_gpkg.py)`);
    const csv = await app.inject({ url: `/collections/${id}/items?f=csv&limit=5` });
    t.equal(csv.statusCode, 200);
    t.equal(csv.body.trimEnd().split('\r\n').length - 1, expected, `${id}: ${expected} CSV rows`);
  }
});
