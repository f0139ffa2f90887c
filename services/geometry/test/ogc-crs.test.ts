// OGC API Features Part 2: crs and bbox-crs for CRS84, EPSG:4326 (latitude first), EPSG:25833, EPSG:3857.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app, database } = await testGateway(t);

const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const EPSG = (code: number) => `http://www.opengis.net/def/crs/EPSG/0/${code}`;
const get = (url: string) => app.inject({ url });
const firstPoint = (f: { geometry: { coordinates: number[][][][] } }) => f.geometry.coordinates[0]![0]![0]!;

async function reference(id: string, srid: number): Promise<number[]> {
  const { rows } = await sql<{ x: number; y: number }>`SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT
      ST_PointN(ST_ExteriorRing(ST_GeometryN(ST_Transform(geom, ${srid}::int), 1)), 1) AS p
    FROM lor_unit WHERE version = '2006' AND level = 'bezirk' AND id = ${id}) s`.execute(database.db);
  return [rows[0]!.x, rows[0]!.y];
}

t.test('the collection lists the CRS it offers and its storage CRS', async (t) => {
  const c = (await get('/collections/lor-2006-bezirk')).json();
  t.same(c.crs, [CRS84, EPSG(4326), EPSG(25833), EPSG(3857)]);
  t.equal(c.storageCrs, EPSG(25833));
  const classes = (await get('/conformance')).json().conformsTo;
  t.ok(classes.includes('http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs'));
});

t.test('each crs gives coordinates as PostGIS transforms them, and says so in Content-Crs', async (t) => {
  const cases: Array<[string, number, boolean, number]> = [
    [CRS84, 4326, false, 1e-6],
    [EPSG(4326), 4326, true, 1e-6],
    [EPSG(25833), 25833, false, 0.01],
    [EPSG(3857), 3857, false, 0.01],
  ];
  for (const [uri, srid, latFirst, tolerance] of cases) {
    const res = await get(`/collections/lor-2006-bezirk/items/01?crs=${encodeURIComponent(uri)}`);
    t.equal(res.headers['content-crs'], `<${uri}>`, uri);
    const [a, b] = firstPoint(res.json());
    const [x, y] = await reference('01', srid);
    const [ex, ey] = latFirst ? [y, x] : [x, y];
    t.ok(Math.abs(a! - ex!) < tolerance && Math.abs(b! - ey!) < tolerance, `${uri}: ${a},${b} ≈ ${ex},${ey}`);
  }
});

t.test('EPSG:4326 is latitude first: the same point as CRS84 with the axes swapped', async (t) => {
  const lonLat = firstPoint((await get('/collections/lor-2006-bezirk/items/01')).json());
  const latLon = firstPoint((await get(`/collections/lor-2006-bezirk/items/01?crs=EPSG:4326`)).json());
  t.same(latLon, [lonLat[1], lonLat[0]]);
  t.ok(latLon[0]! > 52 && latLon[0]! < 53, 'latitude first');
  const items = await get(`/collections/lor-2006-bezirk/items?crs=${encodeURIComponent(EPSG(4326))}`);
  t.equal(items.headers['content-crs'], `<${EPSG(4326)}>`);
});

t.test('bbox-crs: the same box in every CRS selects the same features', async (t) => {
  const { rows } = await sql<Record<string, number>>`SELECT
      ST_XMin(b4) AS lon1, ST_YMin(b4) AS lat1, ST_XMax(b4) AS lon2, ST_YMax(b4) AS lat2,
      ST_XMin(b) AS x1, ST_YMin(b) AS y1, ST_XMax(b) AS x2, ST_YMax(b) AS y2
    FROM (SELECT ST_Buffer(ST_Centroid(geom), 1500) AS b, ST_Transform(ST_Buffer(ST_Centroid(geom), 1500), 4326) AS b4
      FROM lor_unit WHERE version = '2006' AND id = '0101') s`.execute(database.db);
  const r = rows[0]!;
  const ids = async (query: string) =>
    (await get(`/collections/lor-2006-planungsraum/items?limit=1000&${query}`))
      .json()
      .features.map((f: { id: string }) => f.id)
      .sort();
  const in25833 = await ids(`bbox=${r.x1},${r.y1},${r.x2},${r.y2}&bbox-crs=${encodeURIComponent(EPSG(25833))}`);
  const { rows: expected } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2006'
    AND level = 'planungsraum' AND ST_Intersects(geom, ST_MakeEnvelope(${r.x1}, ${r.y1}, ${r.x2}, ${r.y2}, 25833))
    ORDER BY id`.execute(database.db);
  t.same(in25833, expected.map((e) => e.id), 'EPSG:25833 box as PostGIS finds it');
  const crs84 = await ids(`bbox=${r.lon1},${r.lat1},${r.lon2},${r.lat2}`);
  const latFirst = await ids(`bbox=${r.lat1},${r.lon1},${r.lat2},${r.lon2}&bbox-crs=EPSG:4326`);
  t.same(latFirst, crs84, 'EPSG:4326 box given latitude first');
  t.ok(crs84.length > 0);
});

t.test('unknown crs or bbox-crs, and bbox-crs without bbox, are 400 naming the parameter', async (t) => {
  const cases: Array<[string, string]> = [
    ['crs=EPSG:9999', 'crs'],
    ['crs=nonsense', 'crs'],
    ['bbox=1,2,3,4&bbox-crs=EPSG:31468', 'bbox-crs'],
    ['bbox-crs=EPSG:25833', 'bbox-crs'],
  ];
  for (const [query, name] of cases) {
    const res = await get(`/collections/lor-2006-bezirk/items?${query}`);
    t.equal(res.statusCode, 400, query);
    t.equal(res.json().invalidParams?.[0]?.name, name);
  }
  t.equal((await get('/collections/lor-2006-bezirk/items/01?crs=EPSG:9999')).statusCode, 400);
});

t.test('the stored CRS84 GeoJSON (migration 0042) is the text the feature SQL writes for CRS84, for every unit', async (t) => {
  const { defaultCrs, geometryJsonSql } = await import('@datenpool/ogc');
  const { rows } = await sql<{ units: number; stored: number }>`SELECT count(*)::int AS units, count(geojson_crs84)::int AS stored
    FROM lor_unit`.execute(database.db);
  const computed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit u
    WHERE ${geometryJsonSql(sql`u.geom`, defaultCrs, 25833)} IS DISTINCT FROM coalesce(u.geojson_crs84, 'null')`.execute(database.db);
  t.ok(rows[0]!.units > 1000, `${rows[0]!.units} units`);
  t.ok(rows[0]!.stored > 600, `${rows[0]!.stored} with geometry`);
  t.equal(computed.rows[0]!.n, 0, 'no unit whose stored text differs from the computed one');
  // a unit whose geometry changes gets the new text
  await sql`UPDATE lor_unit SET geom = ST_Translate(geom, 10, 0) WHERE version = '2006' AND level = 'bezirk' AND id = '01'`.execute(database.db);
  const moved = await get('/collections/lor-2006-bezirk/items/01');
  const expected = await reference('01', 4326);
  t.same(firstPoint(moved.json()).map((v: number) => v.toFixed(7)), expected.map((v) => v.toFixed(7)), 'the moved geometry is served');
});
