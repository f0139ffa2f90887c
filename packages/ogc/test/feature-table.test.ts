// A new collection type is one descriptor file (fixtures/playground-collection.ts, over a table made here): the OGC
// features plugin serves it with items, paging, bbox, filter, sortby, item, queryables and relation; conformance lists
// the classes of what the plugin instance mounts.
import { readFileSync } from 'node:fs';
import { sql } from '@datenpool/db';
import { type App, createApp, serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { testDatabase } from '../../../test/support/database.ts';
import { type OgcExtension, ogcFeatures, parseNumberMatchedPolicies } from '../src/index.ts';
import { playgroundCollections } from './fixtures/playground-collection.ts';

const fixture = new URL('./fixtures/playground-collection.ts', import.meta.url);
t.ok(readFileSync(fixture, 'utf8').trimEnd().split('\n').length < 60, 'the collection type is one file under 60 lines');

const database = await testDatabase(t, { empty: true });
// 13 points on a 1 km grid in EPSG:25833: x = 385000 + 1000 i, y = 5815000 + 500 i
const rows = Array.from({ length: 13 }, (_, i) => ({
  id: `p${String(i).padStart(2, '0')}`,
  name: `Spielplatz ${String.fromCharCode(77 - i)}`,
  district: i % 3 === 0 ? 'Mitte' : 'Pankow',
  area_m2: ((i * 7) % 13) * 100 + 50,
  x: 385000 + 1000 * i,
  y: 5815000 + 500 * i,
}));
await sql`CREATE TABLE test_playground (id text PRIMARY KEY, name text, district text, area_m2 float8,
  geom geometry(Point, 25833), updated_at timestamptz NOT NULL DEFAULT now())`.execute(database.db);
for (const r of rows) {
  await sql`INSERT INTO test_playground (id, name, district, area_m2, geom)
    VALUES (${r.id}, ${r.name}, ${r.district}, ${r.area_m2}, ST_SetSRID(ST_MakePoint(${r.x}, ${r.y}), 25833))`.execute(database.db);
}

async function appWith(extensions: OgcExtension[] = []): Promise<App> {
  const app = await createApp({ title: 'feature table test', config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database });
  const features = ogcFeatures({ providers: [playgroundCollections()], numberMatched: parseNumberMatchedPolicies(undefined), extensions });
  await app.register(async (scoped) => features(scoped as unknown as App));
  await app.ready();
  t.teardown(() => app.close());
  return app;
}
const app = await appWith();
const json = async (url: string) => {
  const res = await app.inject({ url });
  t.equal(res.statusCode, 200, url);
  return res.json();
};
const ids = (page: { features: Array<{ id: string }> }) => page.features.map((f) => f.id);
const byId = [...rows].sort((a, b) => a.id.localeCompare(b.id));

t.test('items: pages in id order, numberMatched exact, next links', async (t) => {
  const page = await json('/collections/playgrounds/items?limit=5&offset=5');
  t.same(ids(page), byId.slice(5, 10).map((r) => r.id));
  t.equal(page.numberMatched, rows.length);
  t.ok(page.links.some((l: { rel: string }) => l.rel === 'next'));
  const first = page.features[0];
  const row = byId[5]!;
  t.same(first.properties, { name: row.name, district: row.district, area_m2: row.area_m2 });
});

t.test('sortby, filter and bbox select and order as the data says', async (t) => {
  const sorted = await json('/collections/playgrounds/items?sortby=-area_m2,name');
  const expected = [...rows].sort((a, b) => b.area_m2 - a.area_m2 || a.name.localeCompare(b.name)).map((r) => r.id);
  t.same(ids(sorted), expected);
  const mitte = await json(`/collections/playgrounds/items?filter=${encodeURIComponent("district = 'Mitte' AND area_m2 > 300")}&limit=2`);
  const matching = byId.filter((r) => r.district === 'Mitte' && r.area_m2 > 300);
  t.ok(matching.length > 2, 'the filter matches more than a page');
  t.same(ids(mitte), matching.slice(0, 2).map((r) => r.id));
  t.equal(mitte.numberMatched, matching.length, 'the window count of a filtered page');
  const [w, s, e, n] = [388500, 5816000, 393500, 5819000];
  const inBox = await json(`/collections/playgrounds/items?bbox=${w},${s},${e},${n}&bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/25833')}`);
  t.same(ids(inBox), byId.filter((r) => r.x >= w && r.x <= e && r.y >= s && r.y <= n).map((r) => r.id));
  const bad = await app.inject({ url: '/collections/playgrounds/items?sortby=district' });
  t.equal(bad.statusCode, 400, 'district is queryable, not sortable');
  t.equal(bad.json().invalidParams?.[0]?.name, 'sortby');
});

t.test('item: the stored point in the requested CRS; an unknown id is a 404', async (t) => {
  const row = rows[7]!;
  const feature = await json(`/collections/playgrounds/items/${row.id}?crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/25833')}`);
  t.match(feature.geometry, { type: 'Point', coordinates: [row.x, row.y] });
  t.equal(feature.id, row.id);
  const name = await json(`/collections/playgrounds/items/${row.id}?properties=name`);
  t.same(name.properties, { name: row.name });
  t.equal((await app.inject({ url: '/collections/playgrounds/items/nope' })).statusCode, 404);
});

t.test('collection, queryables and sortables come from the descriptor', async (t) => {
  const collection = await json('/collections/playgrounds');
  t.equal(collection.storageCrs, 'http://www.opengis.net/def/crs/EPSG/0/25833');
  const [w, s, e, n] = collection.extent.spatial.bbox[0];
  t.ok(w > 13 && w < e && s > 52 && s < n && e < 13.7 && n < 52.6, 'the CRS84 extent of the points');
  const queryables = await json('/collections/playgrounds/queryables');
  t.same(Object.keys(queryables.properties), ['id', 'name', 'district', 'area_m2', 'geometry']);
  t.equal(queryables.properties.geometry.format, 'geometry-point');
  const sortables = await json('/collections/playgrounds/sortables');
  t.same(Object.keys(sortables.properties), ['id', 'name', 'area_m2']);
});

t.test('relation(): the rows items gives, for tiles, WFS and downloads', async (t) => {
  const source = await playgroundCollections().get(database, 'playgrounds', { numberMatched: () => 'exact' });
  const query = { sortby: [{ name: 'area_m2', direction: 'desc' as const }] };
  const relation = source!.relation(query);
  const { rows: found } = await sql<{ id: string; name: string }>`SELECT ${relation.id} AS id, ${relation.properties.name} AS name
    FROM ${relation.from} WHERE ${relation.where} ORDER BY ${relation.order}`.execute(database.db);
  const items = await json('/collections/playgrounds/items?sortby=-area_m2');
  t.same(found.map((r) => r.id), ids(items));
  t.same(Object.keys(relation.properties), ['name', 'district', 'area_m2']);
});

t.test('conformance: the classes of what the instance mounts, and its extensions get the same collections', async (t) => {
  const plain = (await json('/conformance')).conformsTo as string[];
  t.ok(plain.includes('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core'));
  t.notOk(plain.includes('urn:test:extension'));
  const extended = await appWith([
    {
      name: 'count',
      conformance: ['urn:test:extension'],
      routes: async (scoped, collections) => {
        scoped.get('/count', async () => ({ n: (await collections.list(database)).length }));
      },
    },
  ]);
  const classes = (await extended.inject({ url: '/conformance' })).json().conformsTo as string[];
  t.same(classes, [...plain, 'urn:test:extension'].sort());
  t.same((await extended.inject({ url: '/count' })).json(), { n: 1 });
});

t.test('two providers of one name are refused when the plugin is made', async (t) => {
  t.throws(
    () => ogcFeatures({ providers: [playgroundCollections(), playgroundCollections()], numberMatched: () => 'exact' }),
    /two collection providers are named playgrounds/,
  );
});
