// GET /viewer/units/{version}/{level}: simplified unit geometry for the map, checked against the OGC API's full geometry.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app, database } = await testGateway(t);

type Position = number[];
interface Feature {
  id: string;
  geometry: { type: string; coordinates: unknown } | null;
  properties: { name: string };
}

const positions = (coordinates: unknown): Position[] =>
  Array.isArray(coordinates) && typeof coordinates[0] === 'number' ? [coordinates as Position] : (coordinates as unknown[]).flatMap(positions);

const bbox = (feature: Feature) => {
  const all = positions(feature.geometry!.coordinates);
  return [Math.min(...all.map((p) => p[0]!)), Math.min(...all.map((p) => p[1]!)), Math.max(...all.map((p) => p[0]!)), Math.max(...all.map((p) => p[1]!))];
};

async function features(url: string): Promise<Feature[]> {
  const response = await app.inject({ url });
  t.equal(response.statusCode, 200, url);
  return response.json().features;
}

t.test('the 2006 Planungsräume come with every unit, fewer vertices and the same extent as the full geometry', async (t) => {
  const full = await features('/collections/lor-2006-planungsraum/items?f=json&limit=10000');
  const simplified = await features('/viewer/units/2006/planungsraum?zoom=12');
  t.same(
    simplified.map((f) => [f.id, f.properties.name]),
    full.map((f) => [f.id, f.properties.name]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    'same ids and names',
  );
  const vertices = (list: Feature[]) => list.reduce((n, f) => n + positions(f.geometry!.coordinates).length, 0);
  t.ok(vertices(simplified) < vertices(full) / 2, `${vertices(simplified)} vertices instead of ${vertices(full)}`);
  const fullById = new Map(full.map((f) => [f.id, f]));
  // a quarter pixel at zoom 12 is about 6 m; 0.0002° is about 14 m (longitude) to 22 m (latitude)
  const off = simplified.filter((f) => bbox(f).some((v, i) => Math.abs(v - bbox(fullById.get(f.id)!)[i]!) > 0.0002));
  t.same(off.map((f) => f.id), [], 'every unit keeps its extent');
  const finer = await features('/viewer/units/2006/planungsraum?zoom=15');
  t.ok(vertices(finer) > vertices(simplified), 'a higher zoom keeps more detail');
});

t.test('the 2021 Planungsräume come with their polygons; a unit without geometry comes with geometry null', async (t) => {
  const list = await features('/viewer/units/2021/planungsraum');
  const count = (await app.inject({ url: '/collections/lor-2021-planungsraum/items?f=json&limit=1' })).json().numberMatched;
  t.equal(list.length, count, 'every Planungsraum');
  t.ok(list.every((f) => f.geometry !== null && /Polygon$/.test((f.geometry as { type: string }).type)), 'each with its polygon');
  // a unit whose geometry an operator has not imported (here: removed) is listed without it
  await sql`UPDATE lor_unit SET geom = NULL WHERE version = '2021' AND level = 'bezirksregion' AND id = '011001'`.execute(database.db);
  const bzr = await features('/viewer/units/2021/bezirksregion');
  t.same(bzr.filter((f) => f.geometry === null).map((f) => f.id), ['011001']);
});

t.test('an unknown level is a 400 naming it, an unknown version a 404, a zoom outside 8–18 a 400', async (t) => {
  const level = await app.inject({ url: '/viewer/units/2021/kiez' });
  t.equal(level.statusCode, 400);
  t.match(level.body, /level/);
  const version = await app.inject({ url: '/viewer/units/1999/bezirk' });
  t.equal(version.statusCode, 404);
  t.match(version.headers['content-type'], /application\/problem\+json/);
  t.equal((await app.inject({ url: '/viewer/units/2021/bezirk?zoom=30' })).statusCode, 400);
});
