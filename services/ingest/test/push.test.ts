// Pushing observations: formats, validation, atomic and partial batches, dry runs, batch records.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { addKey, addVariable, auth, baseFixtures, einwohnerBreakdowns, lor2021Units } from './fixtures.ts';

const { app, database } = await testGateway(t);
const { db } = database;
await baseFixtures(db);
await addVariable(db, { id: 't_ew', agency: 'afs', referenceDate: '06-30,12-31', breakdowns: einwohnerBreakdowns });
await addVariable(db, { id: 't_share', agency: 'sensbw', valueKind: 'measure', aggregation: 'none' });
await addVariable(db, { id: 't_bezirk', agency: 'afs', finestLevel: 'bezirk' });
await addVariable(db, { id: 't_draft', agency: 'afs', status: 'draft' });
const afs = await addKey(db, 'afs', ['ingest:write']);
const sensbw = await addKey(db, 'sensbw', ['ingest:write']);
const reader = await addKey(db, 'afs', ['read:restricted']);
const plrs = lor2021Units().filter((u) => u.level === 'planungsraum').map((u) => u.id);

const stored = async (variable: string) =>
  Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation WHERE variable_id = ${variable}`.execute(db)).rows[0]!.n);

const pushJson = (variable: string, body: unknown, key = afs, query = '') =>
  app.inject({ method: 'POST', url: `/v1/variables/${variable}/observations?lorVersion=2021${query}`, headers: { ...auth(key), 'content-type': 'application/json' }, payload: JSON.stringify(body) });

t.test('a JSON push is stored, answered 201 with a report, and readable back', async (t) => {
  const res = await pushJson('t_ew', {
    observations: [
      { unit: plrs[0], date: '2022-06-30', value: 3503 },
      { unit: plrs[0], date: '2022-06-30', value: 169, breakdown: { age: 'unter6' } },
      { unit: plrs[1], date: '2022-06-30', value: 1996, status: 'provisional' },
    ],
  });
  t.equal(res.statusCode, 201, res.body);
  const report = res.json();
  t.match(report, { status: 'accepted', variable: 't_ew', rows: { total: 3, valid: 3, invalid: 0, new: 3, revised: 0, unchanged: 0 } });
  t.equal(res.headers.location, `/v1/batches/${report.id}`);
  t.equal(await stored('t_ew'), 3);
  const read = await app.inject({ url: `/v1/variables/t_ew/observations?unit=${plrs[0]}&breakdown=age=unter6` });
  t.same(read.json().observations, [{ unit: plrs[0], level: 'planungsraum', date: '2022-06-30', breakdown: { age: 'unter6' }, value: 169, status: 'final', derived: false, suppression: null }]);
  const batch = await app.inject({ url: `/v1/batches/${report.id}`, headers: auth(afs) });
  t.equal(batch.statusCode, 200);
  t.match(batch.json(), { id: report.id, status: 'accepted', agency: 'afs' });
  const finished = await db.selectFrom('ingest_batch').select(['finished_at', 'status']).where('id', '=', report.id).executeTakeFirstOrThrow();
  t.ok(finished.finished_at, 'finished_at is set when the batch lands');
});

t.test('CSV with semicolons, BOM, CRLF and German decimal comma is read', async (t) => {
  const body = `\uFEFFunit;date;value\r\n${plrs[2]};2020-12-31;12,5\r\n${plrs[3]};2020-12-31;1.234,75\r\n`;
  const res = await app.inject({
    method: 'POST', url: '/v1/variables/t_share/observations?decimal=comma',
    headers: { ...auth(sensbw), 'content-type': 'text/csv; charset=utf-8' }, payload: body,
  });
  t.equal(res.statusCode, 201, res.body);
  const read = await app.inject({ url: '/v1/variables/t_share/observations?date=2020-12-31' });
  t.same(read.json().observations.map((o: { value: number }) => o.value), [12.5, 1234.75]);
});

t.test('CSV with commas: every other column is a breakdown dimension', async (t) => {
  const body = `unit,date,value,age,sex\n${plrs[4]},2022-12-31,10,unter6,\n${plrs[4]},2022-12-31,7,unter6,weiblich\n`;
  const res = await app.inject({ method: 'POST', url: '/v1/variables/t_ew/observations', headers: { ...auth(afs), 'content-type': 'text/csv' }, payload: body });
  t.equal(res.statusCode, 201, res.body);
  const rows = await db.selectFrom('observation').select(['breakdown', 'value']).where('variable_id', '=', 't_ew').where('unit_id', '=', plrs[4]!).orderBy('breakdown').execute();
  t.same(rows, [{ breakdown: 'age=unter6', value: 10 }, { breakdown: 'age=unter6;sex=weiblich', value: 7 }], 'breakdown text is canonical, sorted by dimension');
});

t.test('an atomic batch with invalid rows is a 422 listing every row error, and stores nothing', async (t) => {
  const before = await stored('t_ew');
  const lines = [
    `${plrs[10]},2022-06-30,5,`, // ok
    '99999999,2022-06-30,5,', // unknown unit
    `${plrs[11]},2022-07-01,5,`, // not a reference date
    `${plrs[12]},2022-06-30,-3,`, // negative count
    `${plrs[13]},2022-06-30,abc,`, // not a number
    `${plrs[14]},2022-06-30,4,unter7`, // unknown code
    `${plrs[10]},2022-06-30,6,`, // duplicate of row 1
  ];
  const res = await app.inject({ method: 'POST', url: '/v1/variables/t_ew/observations', headers: { ...auth(afs), 'content-type': 'text/csv' }, payload: `unit,date,value,age\n${lines.join('\n')}\n` });
  t.equal(res.statusCode, 422);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  const problem = res.json();
  t.equal(problem.totalErrors, 6);
  t.same(
    problem.errors.map((e: { row: number; field: string; code: string }) => [e.row, e.field, e.code]),
    [[2, 'unit', 'unknown-unit'], [3, 'date', 'reference-date'], [4, 'value', 'negative-count'], [5, 'value', 'not-a-number'], [6, 'age', 'unknown-code'], [7, 'unit', 'duplicate-key']],
  );
  t.equal(await stored('t_ew'), before, 'nothing stored');
  const batch = await db.selectFrom('ingest_batch').selectAll().where('id', '=', problem.batchId).executeTakeFirstOrThrow();
  t.equal(batch.status, 'rejected');
  t.equal(batch.rows_total, 7);
  t.equal(batch.rows_invalid, 6);
});

t.test('level finer than the variable allows and a bare-object row are row errors', async (t) => {
  const res = await pushJson('t_bezirk', { observations: [{ unit: plrs[0], date: '2022-12-31', value: 1 }, 'x', { unit: '01', date: '2022-12-31', value: 2 }] });
  t.equal(res.statusCode, 422);
  t.same(res.json().errors.map((e: { code: string }) => e.code), ['level-too-fine', 'not-an-object']);
});

t.test('partial mode stores the valid rows and reports the rest', async (t) => {
  const res = await pushJson('t_ew', { observations: [{ unit: plrs[20], date: '2022-06-30', value: 1 }, { unit: 'nope', date: '2022-06-30', value: 1 }] }, afs, '&mode=partial');
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { status: 'partial', rows: { total: 2, valid: 1, invalid: 1, new: 1 }, totalErrors: 1, errors: [{ row: 2, field: 'unit' }] });
  const n = await db.selectFrom('observation').select('id').where('variable_id', '=', 't_ew').where('unit_id', '=', plrs[20]!).execute();
  t.equal(n.length, 1);
});

t.test('a dry run reports like a push but stores nothing but the batch record', async (t) => {
  const before = await stored('t_ew');
  const res = await pushJson('t_ew', { observations: [{ unit: plrs[30], date: '2022-06-30', value: 9 }, { unit: plrs[0], date: '2022-06-30', value: 3503 }] }, afs, '&dryRun=true');
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { status: 'accepted', dryRun: true, rows: { total: 2, new: 1, unchanged: 1 } });
  t.equal(await stored('t_ew'), before);
  const batch = await db.selectFrom('ingest_batch').select(['dry_run', 'status']).where('id', '=', res.json().id).executeTakeFirstOrThrow();
  t.same(batch, { dry_run: true, status: 'accepted' });
});

t.test('keys: none is 401, another agency 403, draft variable 409, unknown variable 404', async (t) => {
  const body = { observations: [{ unit: plrs[0], date: '2022-12-31', value: 1 }] };
  t.equal((await app.inject({ method: 'POST', url: '/v1/variables/t_ew/observations', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })).statusCode, 401);
  t.equal((await pushJson('t_ew', body, sensbw)).statusCode, 403);
  t.equal((await pushJson('t_ew', body, reader)).statusCode, 403, 'a key without ingest:write');
  t.equal((await pushJson('t_draft', body)).statusCode, 409);
  t.equal((await pushJson('t_nope', body)).statusCode, 404);
  t.equal((await app.inject({ method: 'POST', url: '/v1/variables/t_ew/observations', headers: { ...auth(afs), 'content-type': 'text/plain' }, payload: 'x' })).statusCode, 415);
});

t.test('GET /v1/batches lists the batches of a variable, newest first', async (t) => {
  const res = await app.inject({ url: '/v1/batches?variable=t_ew', headers: auth(afs) });
  t.equal(res.statusCode, 200);
  const list = res.json();
  const count = await db.selectFrom('ingest_batch').select('id').where('variable_id', '=', 't_ew').execute();
  t.equal(list.length, count.length);
  t.ok(list.every((b: { variable: string }) => b.variable === 't_ew'));
  const other = await app.inject({ url: '/v1/batches?variable=t_ew', headers: auth(sensbw) });
  t.same(other.json(), [], 'another agency sees none of them');
});
