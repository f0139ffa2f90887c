// Garbage bodies are 4xx problem+json, never 500, and store no observation.
import { randomBytes } from 'node:crypto';
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { addKey, addVariable, auth, baseFixtures, lor2021Units } from './fixtures.ts';

const { app, database } = await testGateway(t, { });
const { db } = database;
await baseFixtures(db);
await addVariable(db, { id: 't_g', agency: 'afs', breakdowns: { kind: ['=SUM(A1)', '-x', '+1', 'plain'] } });
const afs = await addKey(db, 'afs', ['ingest:write']);
const plr = lor2021Units().find((u) => u.level === 'planungsraum')!.id;
const stored = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation`.execute(db)).rows[0]!.n;
const post = (payload: string | Buffer, type: string) =>
  app.inject({ method: 'POST', url: '/v1/variables/t_g/observations', headers: { ...auth(afs), 'content-type': type }, payload });

const cases: Array<[string, () => string | Buffer, string, number]> = [
  ['random bytes as CSV', () => randomBytes(64 * 1024), 'text/csv', 400],
  ['random bytes as JSON', () => randomBytes(4096), 'application/json', 400],
  ['Latin-1 bytes (wrong encoding)', () => Buffer.from(`unit,date,value,kind\n${plr},2023-12-31,1,Gr\xf6\xdfe\n`, 'latin1'), 'text/csv', 400],
  ['a 10 MB single field', () => `unit,date,value\n${plr},2023-12-31,"${'9'.repeat(10 * 1024 * 1024)}"\n`, 'text/csv', 400],
  ['an unclosed quote', () => `unit,date,value\n${plr},"2023-12-31,1\n`, 'text/csv', 400],
  ['a JSON nesting bomb', () => `{"observations":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'application/json', 400],
  ['an object nesting bomb', () => '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000), 'application/json', 400],
  ['truncated JSON', () => '{"observations":[{"unit":"0110', 'application/json', 400],
  ['JSON of the wrong shape', () => '{"rows":[]}', 'application/json', 400],
  ['an empty CSV', () => '', 'text/csv', 400],
  ['a header without unit/date/value', () => 'a,b\n1,2\n', 'text/csv', 400],
  ['NUL bytes in a cell', () => `unit,date,value\n${plr}\u0000,2023-12-31,1\n`, 'text/csv', 422],
  ['formula cells as values', () => `unit,date,value\n${plr},2023-12-31,=cmd()\n${plr},2023-12-31,"=1+1"\n`, 'text/csv', 422],
  ['a formula as a unit', () => `unit,date,value\n=HYPERLINK(x),2023-12-31,1\n`, 'text/csv', 422],
  ['a stray quote inside a cell', () => `unit,date,value\n=HYPERLINK("x"),2023-12-31,1\n`, 'text/csv', 400],
  ['GeoJSON that is not a FeatureCollection', () => '{"type":"Point","coordinates":[1,2]}', 'application/geo+json', 400],
];

for (const [name, body, type, status] of cases) {
  t.test(`${name} → ${status} problem, nothing stored`, async (t) => {
    const before = await stored();
    const res = await post(body(), type);
    t.equal(res.statusCode, status, res.body.slice(0, 300));
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.equal(await stored(), before);
  });
}

t.test('the formula text of a rejected cell is kept as text in the batch record, never evaluated', async (t) => {
  const res = await post(`unit,date,value\n${plr},2023-12-31,=cmd()\n`, 'text/csv');
  const batch = await db.selectFrom('ingest_batch').select(['status', 'errors']).where('id', '=', res.json().batchId).executeTakeFirstOrThrow();
  t.equal(batch.status, 'rejected');
  t.match(JSON.stringify(batch.errors), /=cmd\(\)/);
});

t.test('a body over INGEST_BODY_LIMIT is a 413 while streaming', async (t) => {
  process.env.INGEST_BODY_LIMIT = '1000';
  const small = await testGateway(t);
  delete process.env.INGEST_BODY_LIMIT;
  await baseFixtures(small.database.db);
  await addVariable(small.database.db, { id: 't_g', agency: 'afs' });
  const key = await addKey(small.database.db, 'afs', ['ingest:write']);
  const lines = Array.from({ length: 200 }, () => `${plr},2023-12-31,1`).join('\n');
  const res = await small.app.inject({ method: 'POST', url: '/v1/variables/t_g/observations', headers: { ...auth(key), 'content-type': 'text/csv' }, payload: `unit,date,value\n${lines}\n` });
  t.equal(res.statusCode, 413);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  const n = await small.database.db.selectFrom('observation').select('id').where('variable_id', '=', 't_g').execute();
  t.equal(n.length, 0);
});

t.test('breakdown codes that look like formulas are stored as text and escaped in CSV exports', async (t) => {
  const body = `unit,date,value,kind\n${plr},2023-12-31,1,=SUM(A1)\n${plr},2023-12-31,2,-x\n${plr},2023-12-31,3,+1\n${plr},2023-12-31,4,plain\n`;
  const res = await post(body, 'text/csv');
  t.equal(res.statusCode, 201, res.body);
  const rows = await db.selectFrom('observation').select('breakdown').where('variable_id', '=', 't_g').orderBy('breakdown').execute();
  t.same(rows.map((r) => r.breakdown), ['kind=+1', 'kind=-x', 'kind==SUM(A1)', 'kind=plain'], 'stored as given');
  const csv = await app.inject({ url: `/v1/variables/t_g/observations?f=csv&unit=${plr}` });
  const cells = csv.body.trim().split('\r\n').slice(1).map((line) => line.split(',')[5]);
  t.same(cells.sort(), ['kind=+1', 'kind=-x', 'kind==SUM(A1)', 'kind=plain'].sort(), 'a cell that starts with kind= is not a formula');
  t.notMatch(csv.body, /^[=+\-@]/m, 'no line starts a formula');
});
