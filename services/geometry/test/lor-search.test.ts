// Finding LOR units by name or id (GET /v1/lor/{version}/units?q=): what the landing page's search box reads.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app, database } = await testGateway(t);
// a unit of the bundled 2021 units, chosen from the database rather than by name
const some = (
  await sql<{ id: string; name: string; level: string }>`SELECT id, name, level FROM lor_unit
    WHERE version = '2021' AND level = 'bezirksregion' ORDER BY id LIMIT 1`.execute(database.db)
).rows[0] as { id: string; name: string; level: string };

t.test('a part of the name, in any case, finds the unit; exact matches come first', async (t) => {
  const part = some.name.slice(1, Math.min(some.name.length, 7)).toUpperCase();
  const res = await app.inject({ url: `/v1/lor/2021/units?q=${encodeURIComponent(part)}&limit=100` });
  t.equal(res.statusCode, 200);
  const units = res.json().units as Array<{ id: string; name: string; level: string; href: string }>;
  t.ok(units.some((u) => u.id === some.id), `${part} finds ${some.id}`);
  t.ok(units.every((u) => u.name.toLowerCase().includes(part.toLowerCase()) || u.id.startsWith(part)), 'only matches');
  const exact = (await app.inject({ url: `/v1/lor/2021/units?q=${encodeURIComponent(some.name)}` })).json().units;
  t.equal(exact[0]?.name, some.name, 'the exact name first');
});

t.test('the beginning of an id finds the units below it; level narrows', async (t) => {
  const res = await app.inject({ url: `/v1/lor/2021/units?q=${some.id}&level=planungsraum&limit=100` });
  const units = res.json().units as Array<{ id: string; level: string }>;
  const expected = (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit WHERE version = '2021' AND level = 'planungsraum' AND id LIKE ${`${some.id}%`}`.execute(database.db)
  ).rows[0]?.n;
  t.ok(units.length > 0);
  t.equal(units.length, expected, 'every Planungsraum of the Bezirksregion');
  t.ok(units.every((u) => u.level === 'planungsraum' && u.id.startsWith(some.id)));
});

t.test('LIKE characters are taken literally; bad input is a 400 naming the parameter', async (t) => {
  t.same((await app.inject({ url: '/v1/lor/2021/units?q=%25%25' })).json().units, [], '"%%" matches nothing');
  const short = await app.inject({ url: '/v1/lor/2021/units?q=a' });
  t.equal(short.statusCode, 400);
  t.match(JSON.stringify(short.json().invalidParams), /q/);
  t.equal((await app.inject({ url: '/v1/lor/2021/units?q=ab&level=kiez' })).statusCode, 400);
  t.equal((await app.inject({ url: '/v1/lor/1999/units?q=Mitte' })).statusCode, 404);
});
