// OGC API Features Part 1 over the LOR collections: documents, items, paging, parameters, caching, HTML.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app, database } = await testGateway(t);
const db = database.db;

interface Feature {
  id: string;
  geometry: { type: string; coordinates: number[][][][] } | null;
  properties: Record<string, unknown>;
}
interface Link {
  rel: string;
  href: string;
  type?: string;
}

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });
const relative = (href: string) => href.replace(/^https?:\/\/[^/]+/, '');

async function count(where: ReturnType<typeof sql>): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit WHERE ${where}`.execute(db);
  return rows[0]?.n ?? 0;
}

t.test('the landing page links conformance and data; /conformance declares Part 1', async (t) => {
  const links = (await get('/', { accept: 'application/json' })).json().links as Link[];
  // absolute links (test/public-url.test.ts): the request's own host here
  t.ok(links.some((l) => l.rel === 'conformance' && /^http:\/\/[^/]+\/conformance$/.test(l.href)));
  t.ok(links.some((l) => l.rel === 'data' && /^http:\/\/[^/]+\/collections$/.test(l.href)));
  const classes = (await get('/conformance')).json().conformsTo as string[];
  for (const c of ['core', 'geojson', 'html', 'oas30']) {
    t.ok(classes.includes(`http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/${c}`), c);
  }
});

t.test('/collections has one collection per LOR version and level', async (t) => {
  const { rows } = await sql<{ version: string }>`SELECT version FROM lor_version ORDER BY version`.execute(db);
  const levels = ['berlin', 'bezirk', 'prognoseraum', 'bezirksregion', 'planungsraum'];
  const expected = rows.flatMap((r) => levels.map((l) => `lor-${r.version}-${l}`));
  const body = (await get('/collections')).json();
  // other services may serve collections too (indicator layers): the LOR ones come first
  const lor = body.collections.map((c: { id: string }) => c.id).filter((id: string) => id.startsWith('lor-'));
  t.same(lor, expected);
  const plr = body.collections.find((c: { id: string }) => c.id === 'lor-2006-planungsraum');
  t.equal(plr.storageCrs, 'http://www.opengis.net/def/crs/EPSG/0/25833');
  t.same(plr.extent.temporal.interval, [['2006-08-01T00:00:00Z', '2020-12-31T00:00:00Z']]);
  t.ok(plr.links.some((l: Link) => l.rel === 'items' && l.type === 'application/geo+json'));
});

t.test('/collections/{id} describes one collection; an unknown one is a 404 problem', async (t) => {
  const res = await get('/collections/lor-2021-prognoseraum');
  t.equal(res.statusCode, 200);
  const [w, s, e, n] = res.json().extent.spatial.bbox[0];
  t.ok(w > 13 && e < 14 && s > 52.3 && n < 52.7, 'extent around Berlin in CRS84');
  for (const id of ['lor-2030-bezirk', 'lor-2006-kiez', 'nope']) {
    const missing = await get(`/collections/${id}`);
    t.equal(missing.statusCode, 404, id);
    t.match(missing.headers['content-type'], /problem\+json/);
  }
});

t.test('items: GeoJSON with numberMatched, numberReturned, the default limit of 100 and Content-Crs', async (t) => {
  const res = await get('/collections/lor-2006-planungsraum/items');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/geo\+json/);
  t.equal(res.headers['content-crs'], '<http://www.opengis.net/def/crs/OGC/1.3/CRS84>');
  const body = res.json();
  t.equal(body.numberMatched, await count(sql`version = '2006' AND level = 'planungsraum'`));
  t.equal(body.numberReturned, 100);
  t.equal(body.features.length, 100);
  const first = body.features[0] as Feature;
  t.equal(first.geometry?.type, 'MultiPolygon');
  t.same(Object.keys(first.properties).sort(), ['area_m2', 'level', 'name', 'parent_id', 'version']);
  const rels = (body.links as Link[]).map((l) => l.rel);
  t.ok(rels.includes('self') && rels.includes('alternate') && rels.includes('next') && rels.includes('collection'));
  t.notOk(rels.includes('prev'), 'no prev link on the first page');
});

t.test('following next links pages through all 448 Planungsräume: none missing, no duplicates', async (t) => {
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2006' AND level = 'planungsraum'`.execute(db);
  const seen: string[] = [];
  let url: string | undefined = '/collections/lor-2006-planungsraum/items?limit=50';
  let pages = 0;
  while (url && pages < 20) {
    const body: { features: Feature[]; links: Link[] } = (await get(url)).json();
    seen.push(...body.features.map((f: Feature) => f.id));
    url = (body.links as Link[]).find((l) => l.rel === 'next')?.href;
    url = url ? relative(url) : undefined;
    pages++;
  }
  t.equal(pages, Math.ceil(rows.length / 50));
  t.equal(new Set(seen).size, seen.length, 'no duplicates');
  t.same([...seen].sort(), rows.map((r) => r.id).sort(), 'every feature once');
});

t.test('offset skips features and gives a prev link; a limit above 10000 is clamped, not refused', async (t) => {
  const all = (await get('/collections/lor-2006-planungsraum/items?limit=10000')).json();
  const page = (await get('/collections/lor-2006-planungsraum/items?limit=10&offset=440')).json();
  t.same(page.features.map((f: Feature) => f.id), all.features.slice(440, 450).map((f: Feature) => f.id));
  const prev = (page.links as Link[]).find((l) => l.rel === 'prev');
  t.match(prev?.href, /offset=430/);
  t.notOk((page.links as Link[]).some((l) => l.rel === 'next'), 'the last page has no next link');
  const clamped = await get('/collections/lor-2006-planungsraum/items?limit=20000');
  t.equal(clamped.statusCode, 200);
  t.equal(clamped.json().numberReturned, all.numberReturned);
});

t.test('a page above 1000 features is streamed from a cursor with the same content as an aggregated one', async (t) => {
  const aggregated = await get('/collections/lor-2006-planungsraum/items?limit=1000&sortby=-area_m2');
  const streamed = await get('/collections/lor-2006-planungsraum/items?limit=5000&sortby=-area_m2');
  t.equal(streamed.statusCode, 200);
  t.notOk(streamed.headers['content-length'], 'sent chunked');
  t.ok(aggregated.headers['content-length'], 'a small page has a Content-Length');
  const a = aggregated.json();
  const s = streamed.json();
  t.same(s.features, a.features);
  t.equal(s.numberMatched, a.numberMatched);
  t.equal(s.numberReturned, 448);
  const filtered = (await get(`/collections/lor-2006-planungsraum/items?limit=5000&offset=400&filter=${encodeURIComponent("name LIKE '%a%'")}`)).json();
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit WHERE version = '2006'
    AND level = 'planungsraum' AND name LIKE '%a%'`.execute(db);
  t.equal(filtered.numberMatched, rows[0]!.n);
  t.equal(filtered.numberReturned, Math.max(0, rows[0]!.n - 400));
});

t.test('bbox returns the features a PostGIS query finds in that box', async (t) => {
  const box = [13.3, 52.48, 13.42, 52.54];
  const expected = await count(sql`version = '2006' AND level = 'planungsraum'
    AND ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope(${box[0]}, ${box[1]}, ${box[2]}, ${box[3]}, 4326))`);
  const body = (await get(`/collections/lor-2006-planungsraum/items?limit=1000&bbox=${box.join(',')}`)).json();
  t.ok(expected > 10 && expected < 448, 'a box that selects some');
  t.equal(body.numberMatched, expected);
  t.equal(body.numberReturned, expected);
  const six = (await get(`/collections/lor-2006-planungsraum/items?bbox=${box[0]},${box[1]},0,${box[2]},${box[3]},100`)).json();
  t.equal(six.numberMatched, expected, 'six numbers: the heights are ignored');
});

t.test('a world-wide bbox, in any CRS, matches every feature (clipped before the transform to UTM)', async (t) => {
  const all = await count(sql`version = '2006' AND level = 'planungsraum'`);
  const n = async (query: string) => (await get(`/collections/lor-2006-planungsraum/items?limit=1&${query}`)).json().numberMatched;
  t.equal(await n('bbox=-180,-90,180,90'), all);
  t.equal(await n('bbox=-90,-180,90,180&bbox-crs=EPSG:4326'), all);
  t.equal(await n('bbox=-1e300,-1e300,1e300,1e300&bbox-crs=EPSG:3857'), all);
  t.equal(await n('bbox=-1e300,-1e300,1e300,1e300&bbox-crs=EPSG:25833'), all);
  t.equal(await n('bbox=100,10,101,11'), 0, 'a box far away');
});

t.test('datetime matches the versions whose validity the interval meets', async (t) => {
  const n = async (dt: string) =>
    (await get(`/collections/lor-2006-bezirk/items?datetime=${encodeURIComponent(dt)}`)).json().numberMatched;
  t.equal(await n('2010-05-01'), 12);
  t.equal(await n('2010-05-01T12:00:00Z'), 12);
  t.equal(await n('2022-01-01'), 0, 'after the 2006 system ended');
  t.equal(await n('2019-01-01/..'), 12);
  t.equal(await n('../2006-07-31'), 0);
  t.equal((await get('/collections/lor-2021-bezirk/items?datetime=2022-01-01/2023-01-01')).json().numberMatched, 12);
});

t.test('properties selects the properties each feature carries', async (t) => {
  const body = (await get('/collections/lor-2006-bezirk/items?properties=name,area_m2')).json();
  t.ok(body.features.every((f: Feature) => Object.keys(f.properties).sort().join() === 'area_m2,name'));
  const none = (await get('/collections/lor-2006-bezirk/items?properties=')).json();
  t.same(none.features[0].properties, {});
});

t.test('2021 Planungsräume and Bezirksregionen are served with their polygons; bbox selects by them', async (t) => {
  for (const [level, units] of [['planungsraum', 542], ['bezirksregion', 143]] as const) {
    const body = (await get(`/collections/lor-2021-${level}/items?limit=1000`)).json();
    t.equal(body.numberMatched, units, `${level}: ${units} units`);
    t.equal(body.features.length, units);
    t.ok(body.features.every((f: Feature) => f.geometry?.type === 'MultiPolygon'), `${level}: every one a MultiPolygon`);
    const collection = (await get(`/collections/lor-2021-${level}`)).json();
    const [minX, minY, maxX, maxY] = collection.extent.spatial.bbox[0];
    t.ok(minX > 13 && minX < 13.2 && maxX > 13.7 && maxX < 13.8 && minY > 52.3 && maxY < 52.7, `${level}: Berlin's extent`);
  }
  // bbox around Alexanderplatz: the units whose polygons meet it, as PostGIS counts them
  const bbox = [13.405, 52.519, 13.418, 52.525];
  const body = (await get(`/collections/lor-2021-planungsraum/items?bbox=${bbox.join(',')}`)).json();
  const expected = await count(sql`version = '2021' AND level = 'planungsraum'
    AND ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(${bbox[0]}, ${bbox[1]}, ${bbox[2]}, ${bbox[3]}, 4326), 25833))`);
  t.ok(expected > 0);
  t.equal(body.numberMatched, expected);
  t.ok(body.features.every((f: Feature) => f.id.startsWith('01')), 'all in Mitte');
});

t.test('one feature by id; unknown ids and collections are 404 problems', async (t) => {
  const res = await get('/collections/lor-2006-planungsraum/items/01011101');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/geo\+json/);
  const f = res.json();
  t.equal(f.id, '01011101');
  t.ok(f.links.some((l: Link) => l.rel === 'collection'));
  t.equal((await get('/collections/lor-2006-planungsraum/items/99999999')).statusCode, 404);
  t.equal((await get('/collections/lor-2006-bezirk/items/01011101')).statusCode, 404, 'an id of another level');
  t.equal((await get('/collections/nope/items')).statusCode, 404);
});

t.test('strong ETag and Last-Modified; If-None-Match answers 304; a data change changes the ETag', async (t) => {
  const url = '/collections/lor-2006-prognoseraum/items?limit=5';
  const first = await get(url);
  const etag = first.headers.etag as string;
  t.match(etag, /^"[^"]+"$/, 'a strong validator');
  t.ok(first.headers['last-modified']);
  const again = await get(url, { 'if-none-match': etag });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  t.not((await get(`${url}&offset=5`)).headers.etag, etag, 'another page, another ETag');
  await sql`UPDATE lor_unit SET name = name || '' WHERE version = '2006' AND id = '0101'`.execute(db);
  const changed = await get(url, { 'if-none-match': etag });
  t.equal(changed.statusCode, 200, 'the data changed');
  t.not(changed.headers.etag, etag);
  // without a condition the version comes with the page (one statement): it is as current
  const plain = await get(url);
  t.equal(plain.headers.etag, changed.headers.etag, 'the same ETag with or without If-None-Match');
  t.equal(plain.headers['last-modified'], changed.headers['last-modified']);
  const feature = await get('/collections/lor-2006-prognoseraum/items/0101');
  t.equal((await get('/collections/lor-2006-prognoseraum/items/0101', { 'if-none-match': feature.headers.etag as string })).statusCode, 304);
});

t.test('HTML for browsers: collections, items with an inline SVG map, a feature; f wins over Accept', async (t) => {
  const browser = { accept: 'text/html,application/xhtml+xml' };
  for (const url of ['/conformance', '/collections', '/collections/lor-2006-bezirk']) {
    const res = await get(url, browser);
    t.match(res.headers['content-type'], /text\/html/, url);
  }
  const items = await get('/collections/lor-2006-bezirk/items', browser);
  t.match(items.headers['content-type'], /text\/html/);
  t.equal((items.body.match(/<path /g) ?? []).length, 12, 'one shape per Bezirk');
  t.notMatch(items.body, /<script|https?:\/\/(?!www\.w3\.org)[^"]*\.(js|png)/, 'no external assets');
  const feature = await get('/collections/lor-2006-bezirk/items/01?f=html');
  t.match(feature.body, /<svg/);
  const json = await get('/collections/lor-2006-bezirk/items?f=json', browser);
  t.match(json.headers['content-type'], /geo\+json/);
});

t.test('bad input is a 400 problem naming the parameter, never a 500', async (t) => {
  const cases: Array<[string, string]> = [
    ['bbox=1,2,3', 'bbox'],
    ['bbox=13.5,52.5,13.4,52.6', 'bbox'],
    ['bbox=13.4,52.6,13.5,52.5', 'bbox'],
    ['bbox=a,b,c,d', 'bbox'],
    ['bbox=13.4,,13.5,52.6', 'bbox'],
    ['limit=-1', 'limit'],
    ['limit=0', 'limit'],
    ['limit=ten', 'limit'],
    ['offset=-5', 'offset'],
    ['offset=99999999999999999999', 'offset'],
    ['datetime=yesterday', 'datetime'],
    ['datetime=2020-02-30', 'datetime'],
    ['datetime=2021-01-01/2020-01-01', 'datetime'],
    ['datetime=../..', 'datetime'],
    ['properties=colour', 'properties'],
    ['colour=red', 'colour'],
    ['limit=1&limit=2', 'limit'],
    ['f=xml', 'f'],
  ];
  for (const [query, name] of cases) {
    const res = await get(`/collections/lor-2006-planungsraum/items?${query}`);
    t.equal(res.statusCode, 400, query);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.equal(res.json().invalidParams?.[0]?.name, name, `${query} names ${name}`);
  }
  t.equal((await get('/collections/lor-2006-planungsraum/items/01011101?limit=5')).statusCode, 400);
  for (const url of ['/collections/lor-2006-bezirk/items/%00', "/collections/lor-2006-bezirk/items?filter=name%20%3D%20'a%00b'", '/v1/lor/%00/units/01']) {
    t.equal((await get(url)).statusCode, 400, `NUL in ${url}`);
  }
  t.equal((await get('/collections?bbox=1,2,3,4')).statusCode, 400);
});
