// OGC API Features Part 3 (CQL2 filter over queryables) and Part 5 (schema, sortables, sortby).
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app, database } = await testGateway(t);
const db = database.db;
const PLR = '/collections/lor-2006-planungsraum';

async function ids(query: string): Promise<string[]> {
  const res = await app.inject({ url: `${PLR}/items?limit=10000&${query}` });
  if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`);
  return res.json().features.map((f: { id: string }) => f.id);
}

async function expected(where: ReturnType<typeof sql>): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit
    WHERE version = '2006' AND level = 'planungsraum' AND ${where} ORDER BY id`.execute(db);
  return rows.map((r) => r.id);
}

const text = (filter: string) => `filter=${encodeURIComponent(filter)}`;
const json = (filter: unknown) => `filter-lang=cql2-json&filter=${encodeURIComponent(JSON.stringify(filter))}`;

t.test('cql2-text comparison, LIKE, IN, BETWEEN, IS NULL, AND/OR/NOT select what SQL selects', async (t) => {
  const cases: Array<[string, ReturnType<typeof sql>]> = [
    ["name = 'Stülerstraße'", sql`name = 'Stülerstraße'`],
    ['area_m2 > 2000000', sql`area_m2 > 2000000`],
    ["name LIKE 'S%' AND area_m2 >= 1000000", sql`name LIKE 'S%' AND area_m2 >= 1000000`],
    ["NOT (area_m2 < 3000000) OR parent_id = '010111'", sql`NOT (area_m2 < 3000000) OR parent_id = '010111'`],
    ["id IN ('01011101', '01011102', '99999999')", sql`id IN ('01011101', '01011102')`],
    ["name NOT LIKE '%straße%' AND parent_id = '010111'", sql`name NOT LIKE '%straße%' AND parent_id = '010111'`],
    ['area_m2 BETWEEN 100000 AND 300000', sql`area_m2 BETWEEN 100000 AND 300000`],
    ['area_m2 NOT BETWEEN 100000 AND 5000000', sql`area_m2 NOT BETWEEN 100000 AND 5000000`],
    ['parent_id IS NULL', sql`parent_id IS NULL`],
    ["parent_id IS NOT NULL AND \"parent_id\" <> '010111' AND id < '0102'", sql`parent_id <> '010111' AND id < '0102'`],
    ['TRUE', sql`true`],
  ];
  for (const [filter, where] of cases) t.same(await ids(text(filter)), await expected(where), filter);
});

t.test('S_INTERSECTS with point, polygon and BBOX literals in CRS84 matches PostGIS', async (t) => {
  const { rows } = await sql<{ lon: number; lat: number }>`SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT
      ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM lor_unit WHERE version = '2006' AND id = '01011101') s`.execute(db);
  const { lon, lat } = rows[0]!;
  t.same(await ids(text(`S_INTERSECTS(geometry, POINT(${lon} ${lat}))`)), ['01011101']);
  const poly = 'POLYGON((13.35 52.5, 13.40 52.5, 13.40 52.53, 13.35 52.53, 13.35 52.5))';
  const want = await expected(sql`ST_Intersects(geom, ST_Transform(ST_GeomFromText(${poly}, 4326), 25833))`);
  t.ok(want.length > 3);
  t.same(await ids(text(`S_INTERSECTS(geometry, ${poly})`)), want, 'polygon');
  t.same(await ids(text('S_INTERSECTS(geometry, BBOX(13.35, 52.5, 13.40, 52.53))')), want, 'BBOX literal');
  t.same(await ids(`${text(`S_INTERSECTS(geometry, POINT(${lat} ${lon}))`)}&filter-crs=EPSG:4326`), ['01011101'], 'EPSG:4326 literal, lat first');
  t.same(await ids(text('S_INTERSECTS(geometry, POINT(1e300 1e300))')), [], 'a point far outside any CRS: no match, no error');
  t.same(
    await ids(text('S_INTERSECTS(geometry, POLYGON((-180 -90, 180 -90, 180 90, -180 90, -180 -90)))')),
    await expected(sql`true`),
    'a world polygon covers everything',
  );
  const within = await expected(sql`ST_Within(geom, ST_Transform(ST_GeomFromText(${poly}, 4326), 25833))`);
  t.same(await ids(text(`S_WITHIN(geometry, ${poly})`)), within, 'S_WITHIN');
});

t.test('cql2-json gives the same results as cql2-text', async (t) => {
  t.same(
    await ids(json({ op: 'and', args: [{ op: 'like', args: [{ property: 'name' }, 'S%'] }, { op: '>', args: [{ property: 'area_m2' }, 1000000] }] })),
    await ids(text("name LIKE 'S%' AND area_m2 > 1000000")),
  );
  t.same(
    await ids(json({ op: 'in', args: [{ property: 'id' }, ['01011101', '01011103']] })),
    ['01011101', '01011103'],
  );
  t.same(
    await ids(json({ op: 's_intersects', args: [{ property: 'geometry' }, { bbox: [13.35, 52.5, 13.4, 52.53] }] })),
    await ids(text('S_INTERSECTS(geometry, BBOX(13.35, 52.5, 13.40, 52.53))')),
  );
  t.same(await ids(json({ op: 'not', args: [{ op: 'isNull', args: [{ property: 'parent_id' }] }] })), await expected(sql`true`));
});

t.test('a filter combines with bbox and paging; numberMatched counts the filtered set', async (t) => {
  const res = await app.inject({ url: `${PLR}/items?limit=5&bbox=13.3,52.45,13.5,52.56&${text('area_m2 > 500000')}` });
  const all = await expected(sql`area_m2 > 500000 AND ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope(13.3, 52.45, 13.5, 52.56, 4326))`);
  t.equal(res.json().numberMatched, all.length);
  t.equal(res.json().numberReturned, 5);
  const next = res.json().links.find((l: { rel: string }) => l.rel === 'next').href as string;
  t.equal(new URL(next).searchParams.get('filter'), 'area_m2 > 500000', 'the next link keeps the filter');
});

t.test('bad filters are 400 problems naming filter (with the position of syntax errors)', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    [text("name = 'unterminated"), 'filter', /unterminated/],
    [text('area_m2 >'), 'filter', /position 9/],
    [text("colour = 'red'"), 'filter', /unknown property colour/],
    [text('name = 5'), 'filter', /string with a number/],
    [text("area_m2 LIKE 'x%'"), 'filter', /LIKE/],
    [text('S_INTERSECTS(name, POINT(1 2))'), 'filter', /geometries/],
    [text('name = DATE(\'2020-13-45\')'), 'filter', /not a valid date/],
    [`filter-lang=cql2-json&filter=${encodeURIComponent('{"op":"=","args":[')}`, 'filter', /JSON/],
    [json({ op: 'frobnicate', args: [] }), 'filter', /unsupported operator/],
    [json({ op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Point', coordinates: 'abc' }] }), 'filter', /not a valid geometry/],
    [json({ op: 's_intersects', args: [{ property: 'geometry' }, { type: 'Polygon', coordinates: [[1, 2]] }] }), 'filter', /not a valid geometry/],
    [json({ op: 's_intersects', args: [{ property: 'geometry' }, { type: 'GeometryCollection', geometries: [{ type: 'Point' }] }] }), 'filter', /not a valid geometry/],
    [text('S_INTERSECTS(geometry, POLYGON((13 52, 14 52)))'), 'filter', /rings need 4 positions/],
    [`${text('TRUE')}&filter-lang=ecql`, 'filter-lang', /not supported/],
    [`${text('TRUE')}&filter-crs=EPSG:1`, 'filter-crs', /not offered/],
    ['filter-lang=cql2-text', 'filter-lang', /without filter/],
  ];
  for (const [query, name, detail] of cases) {
    const res = await app.inject({ url: `${PLR}/items?${query}` });
    t.equal(res.statusCode, 400, query);
    t.equal(res.json().invalidParams?.[0]?.name, name, `${query} names ${name}`);
    t.match(res.json().detail, detail);
  }
  const syntax = await app.inject({ url: `${PLR}/items?${text('area_m2 > 5 AND AND')}` });
  t.equal(syntax.json().invalidParams[0].position, 16, 'the position of the offending token');
});

t.test('/queryables, /schema and /sortables are JSON Schemas of the collection', async (t) => {
  const q = await app.inject({ url: `${PLR}/queryables` });
  t.match(q.headers['content-type'], /application\/schema\+json/);
  const queryables = q.json();
  t.equal(queryables.$schema, 'https://json-schema.org/draft/2020-12/schema');
  t.same(Object.keys(queryables.properties).sort(), ['area_m2', 'geometry', 'id', 'level', 'name', 'parent_id', 'version']);
  for (const name of Object.keys(queryables.properties).filter((n) => n !== 'geometry')) {
    const res = await app.inject({ url: `${PLR}/items?limit=1&${text(`${name} IS NOT NULL`)}` });
    t.equal(res.statusCode, 200, `${name} is usable in a filter`);
  }
  const schema = (await app.inject({ url: `${PLR}/schema` })).json();
  t.equal(schema.properties.id['x-ogc-role'], 'id');
  t.equal(schema.properties.geometry['x-ogc-role'], 'primary-geometry');
  t.equal(schema.properties.area_m2.type, 'number');
  const sortables = (await app.inject({ url: `${PLR}/sortables` })).json();
  t.same(Object.keys(sortables.properties).sort(), ['area_m2', 'id', 'name', 'parent_id']);
  t.equal((await app.inject({ url: '/collections/nope/schema' })).statusCode, 404);
  const classes = (await app.inject({ url: '/conformance' })).json().conformsTo as string[];
  for (const c of [
    'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
    'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
    'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
    'http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas',
  ]) {
    t.ok(classes.includes(c), c);
  }
});

t.test('sortby orders by sortable properties, descending with -, and pages stay stable', async (t) => {
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2006' AND level = 'planungsraum'
    ORDER BY area_m2 DESC, id`.execute(db);
  t.same(await ids('sortby=-area_m2'), rows.map((r) => r.id));
  const { rows: byName } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2006' AND level = 'planungsraum'
    ORDER BY name COLLATE "C", id`.execute(db);
  const named = await ids('sortby=%2Bname');
  t.equal(named.length, byName.length);
  const pages = (await ids('sortby=-area_m2')).slice(0, 20);
  const first = (await app.inject({ url: `${PLR}/items?sortby=-area_m2&limit=10` })).json().features.map((f: { id: string }) => f.id);
  const second = (await app.inject({ url: `${PLR}/items?sortby=-area_m2&limit=10&offset=10` })).json().features.map((f: { id: string }) => f.id);
  t.same([...first, ...second], pages);
  for (const bad of ['level', 'colour', '']) {
    const res = await app.inject({ url: `${PLR}/items?sortby=${bad}` });
    t.equal(res.statusCode, 400, `sortby=${bad}`);
    t.equal(res.json().invalidParams?.[0]?.name, 'sortby');
  }
});
