// The hierarchy API: a unit with ancestors and children, and locating points in every level.
import { readFileSync } from 'node:fs';
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { bundledLorFolder } from '../src/import/bootstrap.ts';

const { app, database } = await testGateway(t);

const plr2006 = JSON.parse(readFileSync(`${bundledLorFolder}lor-2006-planungsraum.geojson`, 'utf8')).features as Array<{
  properties: { id: string; name: string };
}>;

t.test('a Planungsraum comes with its four ancestors, Berlin first, and no children', async (t) => {
  const res = await app.inject({ url: '/v1/lor/2006/units/01011101' });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.name, plr2006.find((f) => f.properties.id === '01011101')?.properties.name);
  t.same(body.ancestors.map((a: { id: string }) => a.id), ['0', '01', '0101', '010111']);
  t.same(body.ancestors.map((a: { level: string }) => a.level), ['berlin', 'bezirk', 'prognoseraum', 'bezirksregion']);
  t.same(body.children, []);
  t.match(body.featureHref, /^http:\/\/[^/]+\/collections\/lor-2006-planungsraum\/items\/01011101$/, 'absolute, on the request\'s host');
});

t.test('a 2021 Prognoseraum lists its Bezirksregionen of the units CSV as children, with geometry', async (t) => {
  const csv = readFileSync(`${bundledLorFolder}lor-2021-units.csv`, 'utf8').trim().split(/\r?\n/).slice(1);
  const expected = [...new Set(csv.map((l) => l.split(',')[3]!).filter((id) => id.startsWith('0110')))].sort();
  const body = (await app.inject({ url: '/v1/lor/2021/units/0110' })).json();
  t.same(body.children.map((c: { id: string }) => c.id), expected);
  t.ok(body.children.every((c: { hasGeometry: boolean }) => c.hasGeometry === true), 'every one with its polygon');
});

t.test('unknown unit, malformed id and unknown version are 404 problems', async (t) => {
  for (const url of ['/v1/lor/2006/units/99999999', '/v1/lor/2006/units/abc', '/v1/lor/1990/units/01']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 404, url);
    t.match(res.headers['content-type'], /application\/problem\+json/);
  }
});

async function pointIn(id: string) {
  const { rows } = await sql<{ lon: number; lat: number; x: number; y: number }>`SELECT
      ST_X(ST_Transform(p, 4326)) AS lon, ST_Y(ST_Transform(p, 4326)) AS lat, ST_X(p) AS x, ST_Y(p) AS y
    FROM (SELECT ST_PointOnSurface(geom) AS p FROM lor_unit WHERE version = '2006' AND id = ${id}) s`.execute(database.db);
  return rows[0]!;
}

t.test('locate by lon/lat finds the unit of every level, coarse to fine', async (t) => {
  const p = await pointIn('01011101');
  const res = await app.inject({ url: `/v1/lor/2006/locate?lon=${p.lon}&lat=${p.lat}` });
  t.equal(res.statusCode, 200);
  t.same(res.json().units.map((u: { id: string }) => u.id), ['0', '01', '0101', '010111', '01011101']);
  t.same(res.json().levelsWithoutGeometry, []);
});

t.test('locate by x/y in EPSG:25833 gives the same units; 2021 finds a unit of every level too', async (t) => {
  const p = await pointIn('01011101');
  const res = await app.inject({ url: `/v1/lor/2006/locate?x=${p.x}&y=${p.y}&crs=EPSG:25833` });
  t.same(res.json().units.map((u: { id: string }) => u.id), ['0', '01', '0101', '010111', '01011101']);
  const r2021 = (await app.inject({ url: `/v1/lor/2021/locate?lon=${p.lon}&lat=${p.lat}` })).json();
  t.same(r2021.units.map((u: { level: string }) => u.level), ['berlin', 'bezirk', 'prognoseraum', 'bezirksregion', 'planungsraum']);
  const ids = r2021.units.map((u: { id: string }) => u.id);
  t.ok(ids.slice(1).every((id: string, i: number) => i === 0 || id.startsWith(ids[i])), 'each unit lies in the one before');
  t.same(r2021.levelsWithoutGeometry, []);
  // the point lies in 2021's PLR by its own polygon, not by its id: the database answers it independently
  const { rows } = await sql<{ id: string }>`SELECT id FROM lor_unit WHERE version = '2021' AND level = 'planungsraum'
    AND ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326), 25833))`.execute(database.db);
  t.same([ids.at(-1)], rows.map((r) => r.id));
});

t.test('a point outside Berlin is a 404 problem', async (t) => {
  const res = await app.inject({ url: '/v1/lor/2006/locate?lon=10&lat=50' });
  t.equal(res.statusCode, 404);
  t.match(res.json(), { status: 404, detail: /outside Berlin/ });
});

t.test('bad coordinates and unknown crs are 400 problems naming the parameter', async (t) => {
  const cases: Array<[string, string]> = [
    ['lon=abc&lat=52.5', 'lon'],
    ['lon=13.4', 'lat'],
    ['x=1&y=2&crs=EPSG:9999', 'crs'],
    ['lon=13.4&lat=95', 'lat'],
  ];
  for (const [query, name] of cases) {
    const res = await app.inject({ url: `/v1/lor/2006/locate?${query}` });
    t.equal(res.statusCode, 400, query);
    t.equal(res.json().invalidParams?.[0]?.name, name, `${query} names ${name}`);
  }
});
