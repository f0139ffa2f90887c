// Facility points joined to LOR units in PostGIS: counts and capacity sums per unit, points outside are row errors.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { addKey, addVariable, auth, baseFixtures } from './fixtures.ts';

const { app, database } = await testGateway(t);
const { db } = database;
await baseFixtures(db);
await addVariable(db, { id: 't_fac', agency: 'senbjf' });
await addVariable(db, { id: 't_cap', agency: 'senbjf' });
const key = await addKey(db, 'senbjf', ['ingest:write']);

// three Planungsräume (the finest 2021 level with geometry) of the imported geometry, and a point inside each (computed by PostGIS, not by the code under test)
const inside = await sql<{ id: string; x: number; y: number; lon: number; lat: number }>`
  SELECT id, ST_X(p) AS x, ST_Y(p) AS y, ST_X(ST_Transform(p, 4326)) AS lon, ST_Y(ST_Transform(p, 4326)) AS lat
  FROM (SELECT id, ST_PointOnSurface(geom) AS p FROM lor_unit WHERE version = '2021' AND level = 'planungsraum' AND geom IS NOT NULL ORDER BY id LIMIT 3) q`.execute(db);
const [a, b] = inside.rows;
const feature = (x: number, y: number, places: unknown) => ({ type: 'Feature', properties: { e_platz: places }, geometry: { type: 'Point', coordinates: [x, y] } });
const push = (doc: unknown, query: string) =>
  app.inject({
    method: 'POST',
    url: `/v1/variables/t_fac/observations?lorVersion=2021&date=2023-12-31&capacityVariable=t_cap&capacityProperty=e_platz${query}`,
    headers: { ...auth(key), 'content-type': 'application/geo+json' },
    payload: JSON.stringify(doc),
  });

t.test('points are counted per Planungsraum, capacities summed, other units get zero', async (t) => {
  t.ok(a && b, 'the template has Planungsraum geometry');
  const doc = {
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::25833' } },
    features: [feature(a!.x, a!.y, '10'), feature(a!.x, a!.y, 5), feature(b!.x, b!.y, '7')],
  };
  const res = await push(doc, '');
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { level: 'planungsraum', points: 3, batches: [{ variable: 't_fac', status: 'accepted' }, { variable: 't_cap', status: 'accepted' }] });
  const count = await db.selectFrom('observation').select(['unit_id', 'value']).where('variable_id', '=', 't_fac').where('value', '>', 0).orderBy('unit_id').execute();
  t.same(count, [{ unit_id: a!.id, value: 2 }, { unit_id: b!.id, value: 1 }]);
  const cap = await db.selectFrom('observation').select(['unit_id', 'value']).where('variable_id', '=', 't_cap').where('value', '>', 0).orderBy('unit_id').execute();
  t.same(cap, [{ unit_id: a!.id, value: 15 }, { unit_id: b!.id, value: 7 }]);
  const units = await db.selectFrom('lor_unit').select('id').where('version', '=', '2021').where('level', '=', 'planungsraum').execute();
  const all = await db.selectFrom('observation').select('id').where('variable_id', '=', 't_fac').execute();
  t.equal(all.length, units.length, 'every Planungsraum has a count');
});

t.test('CRS84 points (the GeoJSON default) are transformed before the join', async (t) => {
  const doc = { type: 'FeatureCollection', features: [feature(a!.lon, a!.lat, 3)] };
  const res = await push(doc, '&dryRun=true');
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json().batches[0], { dryRun: true, rows: { revised: 2 } }, 'a dry run reports the changed counts');
});

t.test('a point outside Berlin or without a capacity is a row error; atomic rejects, partial stores the rest', async (t) => {
  const doc = {
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: 'EPSG:25833' } },
    features: [feature(a!.x, a!.y, 1), feature(100, 100, 1), feature(b!.x, b!.y, 'viele'), { type: 'Feature', properties: {}, geometry: null }],
  };
  const before = await db.selectFrom('observation').select('id').execute();
  const res = await push(doc, '');
  t.equal(res.statusCode, 422);
  t.same(res.json().errors.map((e: { row: number; code: string }) => [e.row, e.code]), [[2, 'outside-berlin'], [3, 'invalid-capacity'], [4, 'not-a-point']]);
  t.equal((await db.selectFrom('observation').select('id').execute()).length, before.length, 'nothing stored');
  const partial = await push(doc, '&mode=partial');
  t.equal(partial.statusCode, 201, partial.body);
  t.match(partial.json().batches[0], { status: 'partial', totalErrors: 3 });
  const current = await db.selectFrom('observation').select('value').where('variable_id', '=', 't_fac').where('unit_id', '=', a!.id).where('valid_to', 'is', null).executeTakeFirstOrThrow();
  t.equal(current.value, 1);
});

t.test('a facilities push needs a date; an unknown crs is a 400', async (t) => {
  const noDate = await app.inject({ method: 'POST', url: '/v1/variables/t_fac/observations', headers: { ...auth(key), 'content-type': 'application/geo+json' }, payload: '{"type":"FeatureCollection","features":[]}' });
  t.equal(noDate.statusCode, 400);
  const crs = await push({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:3857' } }, features: [] }, '');
  t.equal(crs.statusCode, 400);
});
