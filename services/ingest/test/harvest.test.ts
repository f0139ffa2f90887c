// Harvest of referenced sources from a local test server: CSV, OGC API Features paging, failures, schedule.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { durationMs } from '../src/scheduler.ts';
import { addKey, addVariable, auth, baseFixtures, lor2021Units } from './fixtures.ts';

const plrs = lor2021Units().filter((u) => u.level === 'planungsraum').map((u) => u.id);
const csv = `PLR_ID;Stichtag;EW\n${plrs[0]};2023-12-31;10\n${plrs[1]};2023-12-31;20\n`;
const badCsv = `PLR_ID;Stichtag;EW\n${plrs[0]};2023-12-31;10\nnope;2023-12-31;x\n`;
const page = (n: number) => ({
  type: 'FeatureCollection',
  features: [0, 1].map((i) => ({ type: 'Feature', properties: { plr: plrs[10 + n * 2 + i], anzahl: n * 2 + i + 1 }, geometry: null })),
  links: n === 0 ? [{ rel: 'next', href: '/ogc/collections/spielplaetze/items?page=1' }] : [],
});
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/ok.csv') return res.writeHead(200, { 'content-type': 'text/csv' }).end(csv);
  if (url.pathname === '/bad.csv') return res.writeHead(200, { 'content-type': 'text/csv' }).end(badCsv);
  if (url.pathname === '/ogc/collections/spielplaetze/items') {
    return res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify(page(Number(url.searchParams.get('page') ?? 0))));
  }
  res.writeHead(500).end('boom');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// the test server listens on loopback, which harvests refuse unless the allow-list names it (harvest-safety.test.ts)
process.env.HARVEST_ALLOW_HOSTS = '127.0.0.1/32';
t.teardown(() => {
  delete process.env.HARVEST_ALLOW_HOSTS;
});
const { app, database } = await testGateway(t);
const { db } = database;
await baseFixtures(db);
await addVariable(db, { id: 't_h', agency: 'afs' });
const afs = await addKey(db, 'afs', ['ingest:write']);
const other = await addKey(db, 'senbjf', ['ingest:write']);
const source = async (id: string, kind: 'csv' | 'ogcapi-features', url: string, mapping: object, schedule: string | null = null) =>
  db.insertInto('referenced_source').values({ id, agency_id: 'afs', variable_id: 't_h', lor_version: '2021', kind, url, mapping: JSON.stringify(mapping), schedule }).execute();
await source('h_ok', 'csv', `${base}/ok.csv`, { unit: 'PLR_ID', date: 'Stichtag', value: 'EW' });
await source('h_bad', 'csv', `${base}/bad.csv`, { unit: 'PLR_ID', date: 'Stichtag', value: 'EW' });
await source('h_down', 'csv', `${base}/missing.csv`, {});
await source('h_ogc', 'ogcapi-features', `${base}/ogc/collections/spielplaetze`, { unit: 'plr', value: 'anzahl', fixedDate: '2023-12-31' });
const harvest = (id: string, key = afs) => app.inject({ method: 'POST', url: `/v1/sources/${id}/harvest`, headers: auth(key) });
const values = async () => db.selectFrom('observation').select(['unit_id', 'value']).where('variable_id', '=', 't_h').where('valid_to', 'is', null).orderBy('unit_id').execute();

t.test('a CSV source is harvested through the pipeline into a batch of the source', async (t) => {
  const res = await harvest('h_ok');
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { status: 'accepted', source: 'h_ok', rows: { total: 2, new: 2 } });
  t.same(await values(), [{ unit_id: plrs[0], value: 10 }, { unit_id: plrs[1], value: 20 }]);
  const s = await db.selectFrom('referenced_source').select(['last_status', 'last_harvest_at']).where('id', '=', 'h_ok').executeTakeFirstOrThrow();
  t.match(s.last_status, /^accepted/);
  t.ok(s.last_harvest_at);
});

t.test('invalid rows at the source: 422, nothing stored, the reason kept', async (t) => {
  const before = await values();
  const res = await harvest('h_bad');
  t.equal(res.statusCode, 422);
  t.equal(res.json().totalErrors, 2);
  t.same(await values(), before);
  const s = await db.selectFrom('referenced_source').select('last_status').where('id', '=', 'h_bad').executeTakeFirstOrThrow();
  t.match(s.last_status, /^rejected/);
});

t.test('a source that answers 500: 502, nothing stored, a failed batch and last_status say why', async (t) => {
  const before = await values();
  const res = await harvest('h_down');
  t.equal(res.statusCode, 502);
  t.match(res.headers['content-type'], /problem\+json/);
  t.same(await values(), before);
  const s = await db.selectFrom('referenced_source').select('last_status').where('id', '=', 'h_down').executeTakeFirstOrThrow();
  t.match(s.last_status, /failed: .*HTTP 500/);
  const batch = await db.selectFrom('ingest_batch').select(['status', 'errors']).where('source_id', '=', 'h_down').executeTakeFirstOrThrow();
  t.equal(batch.status, 'failed');
  t.match(JSON.stringify(batch.errors), /HTTP 500/);
});

t.test('an OGC API Features collection is read along its next links', async (t) => {
  const res = await harvest('h_ogc');
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { rows: { total: 4, new: 4 } });
  const got = (await values()).filter((v) => plrs.slice(10, 14).includes(v.unit_id));
  t.same(got, [1, 2, 3, 4].map((n, i) => ({ unit_id: plrs[10 + i], value: n })));
});

t.test("another agency's key may not harvest the source; an unknown source is 404", async (t) => {
  t.equal((await harvest('h_ok', other)).statusCode, 403);
  t.equal((await harvest('h_nope')).statusCode, 404);
});

t.test('schedules are ISO 8601 durations', async (t) => {
  t.equal(durationMs('PT24H'), 86_400_000);
  t.equal(durationMs('P1DT30M'), 88_200_000);
  t.equal(durationMs('0 3 * * *'), undefined);
  t.equal(durationMs('P'), undefined);
});

t.test('with INGEST_SCHEDULER=on a due source is harvested by the timer', async (t) => {
  await source('h_sched', 'csv', `${base}/ok.csv`, { unit: 'PLR_ID', date: 'Stichtag', value: 'EW' }, 'PT1H');
  process.env.INGEST_SCHEDULER = 'on';
  const { database: scheduled } = await (async () => {
    const { buildGateway } = await import('../../gateway/src/index.ts');
    const { serviceConfigFromEnv } = await import('@datenpool/service-kit');
    const gw = await buildGateway({ config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database });
    await gw.ready();
    t.teardown(() => gw.close());
    return { database };
  })();
  delete process.env.INGEST_SCHEDULER;
  let status: string | null = null;
  for (let i = 0; i < 100 && !status; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await scheduled.db.selectFrom('referenced_source').select('last_status').where('id', '=', 'h_sched').executeTakeFirstOrThrow()).last_status;
  }
  t.match(status, /^accepted/);
});
