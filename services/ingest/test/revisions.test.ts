// Revisions and replays: corrections, asOf, history, identical resends, Idempotency-Key, SDMX-CSV deletes, roll-up.
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { addKey, addVariable, auth, baseFixtures, lor2021Units } from './fixtures.ts';

const { app, database } = await testGateway(t);
const { db } = database;
await baseFixtures(db);
await addVariable(db, { id: 't_pop', agency: 'afs', breakdowns: { sex: ['weiblich', 'maennlich'] } });
await addVariable(db, { id: 't_idem', agency: 'afs' });
await addVariable(db, { id: 't_sdmx', agency: 'afs', breakdowns: { sex: ['weiblich', 'maennlich'] } });
await addVariable(db, { id: 't_roll', agency: 'afs' });
const afs = await addKey(db, 'afs', ['ingest:write']);
const units = lor2021Units();
const plrs = units.filter((u) => u.level === 'planungsraum').map((u) => u.id);
const csvPush = (variable: string, body: string, headers: Record<string, string> = {}, type = 'text/csv') =>
  app.inject({ method: 'POST', url: `/v1/variables/${variable}/observations`, headers: { ...auth(afs), 'content-type': type, ...headers }, payload: body });

t.test('a correction is a new revision; asOf and history show the old value', async (t) => {
  const unit = plrs[0]!;
  const first = await csvPush('t_pop', `unit,date,value\n${unit},2023-12-31,100\n`);
  t.equal(first.statusCode, 201);
  const between = (await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(db)).rows[0]!.now.toISOString();
  const second = await csvPush('t_pop', `unit,date,value\n${unit},2023-12-31,120\n`);
  t.match(second.json(), { status: 'accepted', rows: { revised: 1, new: 0, unchanged: 0 } });

  const now = await app.inject({ url: `/v1/variables/t_pop/observations?unit=${unit}&date=2023-12-31` });
  t.same(now.json().observations.map((o: { value: number }) => o.value), [120]);
  const then = await app.inject({ url: `/v1/variables/t_pop/observations?unit=${unit}&date=2023-12-31&asOf=${encodeURIComponent(between)}` });
  t.same(then.json().observations.map((o: { value: number }) => o.value), [100], 'asOf between the pushes gives the first value');

  const history = await app.inject({ url: `/v1/variables/t_pop/observations/history?unit=${unit}&date=2023-12-31` });
  t.equal(history.statusCode, 200);
  const revisions = history.json().revisions;
  t.same(revisions.map((r: { value: number }) => r.value), [100, 120]);
  t.equal(revisions[0].validTo, revisions[1].validFrom, 'the old revision ends where the new one begins');
  t.equal(revisions[1].validTo, null);
  t.equal(revisions[0].batch, first.json().id);
});

t.test('re-sending identical data changes nothing', async (t) => {
  const body = `unit,date,value,sex\n${plrs[1]},2023-12-31,50,\n${plrs[1]},2023-12-31,26,weiblich\n`;
  t.equal((await csvPush('t_pop', body)).statusCode, 201);
  const before = await db.selectFrom('observation').selectAll().where('unit_id', '=', plrs[1]!).orderBy('id').execute();
  const again = await csvPush('t_pop', body);
  t.match(again.json(), { status: 'accepted', rows: { total: 2, new: 0, revised: 0, unchanged: 2 } });
  const after = await db.selectFrom('observation').selectAll().where('unit_id', '=', plrs[1]!).orderBy('id').execute();
  t.same(after, before, 'no row written or closed');
});

t.test('Idempotency-Key: same body replays the first answer, another body is a 409', async (t) => {
  const body = `unit,date,value\n${plrs[2]},2023-12-31,7\n`;
  const first = await csvPush('t_idem', body, { 'idempotency-key': 'k-1' });
  t.equal(first.statusCode, 201);
  const replay = await csvPush('t_idem', body, { 'idempotency-key': 'k-1' });
  t.equal(replay.statusCode, 201);
  t.same(replay.json(), first.json(), 'the same body as the first answer');
  const batches = await db.selectFrom('ingest_batch').select('id').where('variable_id', '=', 't_idem').execute();
  t.equal(batches.length, 1, 'no second batch');
  const other = await csvPush('t_idem', `unit,date,value\n${plrs[2]},2023-12-31,8\n`, { 'idempotency-key': 'k-1' });
  t.equal(other.statusCode, 409);
  t.match(other.headers['content-type'], /problem\+json/);

  const bad = `unit,date,value\n${plrs[2]},2023-12-31,x\n`;
  const rejected = await csvPush('t_idem', bad, { 'idempotency-key': 'k-2' });
  t.equal(rejected.statusCode, 422);
  const rejectedAgain = await csvPush('t_idem', bad, { 'idempotency-key': 'k-2' });
  t.equal(rejectedAgain.statusCode, 422);
  t.same(rejectedAgain.json(), rejected.json(), 'a rejection replays as well');
  const values = await db.selectFrom('observation').select('value').where('variable_id', '=', 't_idem').execute();
  t.same(values, [{ value: 7 }]);
});

t.test('SDMX-CSV 2.0: M writes, D deletes as a revision, the deleted value leaves reads', async (t) => {
  const type = 'application/vnd.sdmx.data+csv; version=2.0.0';
  const write = `STRUCTURE,STRUCTURE_ID,ACTION,LOR,TIME_PERIOD,SEX,OBS_VALUE,OBS_STATUS\n` +
    `dataflow,DP:t_sdmx(1.0),M,${plrs[3]},2023-12-31,_T,40,A\n` +
    `dataflow,DP:t_sdmx(1.0),M,${plrs[3]},2023,weiblich,21,P\n`;
  const res = await csvPush('t_sdmx', write, {}, type);
  t.equal(res.statusCode, 201, res.body);
  const rows = await db.selectFrom('observation').select(['breakdown', 'value', 'status', 'ref_date']).where('variable_id', '=', 't_sdmx').orderBy('breakdown').execute();
  t.same(rows, [
    { breakdown: '', value: 40, status: 'final', ref_date: '2023-12-31' },
    { breakdown: 'sex=weiblich', value: 21, status: 'provisional', ref_date: '2023-12-31' },
  ], '_T is the total, a bare year is the reference date, OBS_STATUS P is provisional');
  const del = await csvPush('t_sdmx', `STRUCTURE,STRUCTURE_ID,ACTION,LOR,TIME_PERIOD,SEX,OBS_VALUE\ndataflow,DP:t_sdmx(1.0),D,${plrs[3]},2023-12-31,weiblich,\n`, {}, type);
  t.equal(del.statusCode, 201, del.body);
  t.match(del.json(), { rows: { revised: 1 } });
  const read = await app.inject({ url: `/v1/variables/t_sdmx/observations?unit=${plrs[3]}` });
  t.same(read.json().observations.map((o: { breakdown: object }) => o.breakdown), [{}], 'only the total remains');
  const history = await app.inject({ url: `/v1/variables/t_sdmx/observations/history?unit=${plrs[3]}&date=2023-12-31&breakdown=sex=weiblich` });
  t.same(history.json().revisions.map((r: { value: number | null; deleted: boolean }) => [r.value, r.deleted]), [[21, false], [null, true]]);
});

t.test('sum variables roll up from the finest level delivered, marked derived; a disagreeing coarse value is reported', async (t) => {
  const bezirk01 = plrs.filter((p) => p.startsWith('01'));
  const lines = plrs.map((p, i) => `${p},2023-12-31,${(i % 7) + 1}`);
  t.equal((await csvPush('t_roll', `unit,date,value\n${lines.join('\n')}\n`)).statusCode, 201);
  const expectedBerlin = plrs.reduce((n, _p, i) => n + (i % 7) + 1, 0);
  const expected01 = plrs.reduce((n, p, i) => n + (p.startsWith('01') ? (i % 7) + 1 : 0), 0);

  const berlin = await app.inject({ url: '/v1/variables/t_roll/observations?level=berlin' });
  t.same(berlin.json().observations, [{ unit: '0', level: 'berlin', date: '2023-12-31', breakdown: {}, value: expectedBerlin, status: 'final', derived: true, suppression: null }]);
  const bezirke = await app.inject({ url: '/v1/variables/t_roll/observations?level=bezirk' });
  t.equal(bezirke.json().observations.length, 12);
  t.equal(bezirke.json().observations.find((o: { unit: string }) => o.unit === '01').value, expected01);
  const one = await app.inject({ url: '/v1/variables/t_roll/observations?unit=01' });
  t.same(one.json().observations.map((o: { value: number }) => o.value), [expected01], 'a coarse unit id alone rolls up too');
  t.ok(bezirk01.length > 0);

  const coarse = await csvPush('t_roll', `unit,date,value\n01,2023-12-31,${expected01 + 5}\n02,2023-12-31,${bezirke.json().observations.find((o: { unit: string }) => o.unit === '02').value}\n`);
  t.equal(coarse.statusCode, 201);
  t.same(coarse.json().warnings.map((w: { code: string; unit: string }) => [w.code, w.unit]), [['roll-up-disagrees', '01']], 'only the disagreeing Bezirk is reported');
  const csv = await app.inject({ url: '/v1/variables/t_roll/observations?level=bezirk&f=csv' });
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csv.body, new RegExp(`t_roll,2021,01,bezirk,2023-12-31,,${expected01},final,true`));
});
