// The crosswalk read side: GET /v1/lor/crosswalk as JSON and CSV (read back by GDAL), and problems for bad parameters.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from '@datenpool/db';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';

const { app, database } = await testGateway(t);
const db = database.db;
const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });

/** a few pairs of the bundled planungsraum table (shares as it gives them); weight = share of the source, normalised */
const pairs2006 = [
  { from: '01011101', to: '01100101', overlap: 366486.8, sf: 0.9992, st: 0.9993 },
  { from: '01011102', to: '01100102', overlap: 3005387.8, sf: 0.9987, st: 0.7625 },
  { from: '01011102', to: '01100205', overlap: 1002.2, sf: 0.0003, st: 0.0016 },
  { from: '01011102', to: '01100206', overlap: 2713.0, sf: 0.0009, st: 0.0021 },
];
const source = 'lor-crosswalk-2006-2021-planungsraum.csv';

function normalised(rows: typeof pairs2006): Map<string, number> {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.from, (totals.get(r.from) ?? 0) + r.sf);
  return new Map(rows.map((r) => [`${r.from}>${r.to}`, r.sf / totals.get(r.from)!]));
}
const weights = normalised(pairs2006);

await sql`DELETE FROM lor_crosswalk`.execute(db);
await db
  .insertInto('lor_crosswalk')
  .values([
    ...pairs2006.map((p) => ({
      from_version: '2006',
      to_version: '2021',
      level: 'planungsraum',
      from_id: p.from,
      to_id: p.to,
      weight: weights.get(`${p.from}>${p.to}`)!,
      overlap_m2: p.overlap,
      share_of_from: p.sf,
      share_of_to: p.st,
      method: 'area',
      source,
    })),
    // the other direction and another level, which the queries below must leave out
    {
      from_version: '2021',
      to_version: '2006',
      level: 'planungsraum',
      from_id: '01100102',
      to_id: '01011102',
      weight: 1,
      overlap_m2: 3005387.8,
      share_of_from: 0.7625,
      share_of_to: 0.9987,
      method: 'area',
      source,
    },
    {
      from_version: '2006',
      to_version: '2021',
      level: 'bezirksregion',
      from_id: '010111',
      to_id: '011001',
      weight: 1,
      overlap_m2: 5e6,
      share_of_from: 0.99,
      share_of_to: 0.97,
      method: 'area',
      source: 'lor-crosswalk-2006-2021-bezirksregion.csv',
    },
  ])
  .execute();

async function nameOf(version: string, id: string): Promise<string> {
  const row = await db.selectFrom('lor_unit').select('name').where('version', '=', version).where('id', '=', id).executeTakeFirstOrThrow();
  return row.name;
}

t.test('JSON: the weights of one direction and level, with names, method, source and links', async (t) => {
  const res = await get('/v1/lor/crosswalk?from=2006&to=2021&level=planungsraum');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/json/);
  const body = res.json();
  t.match(body, { from: '2006', to: '2021', level: 'planungsraum', unit: null, methods: ['area'], sources: [source] });
  t.match(body.method, /share of the source unit's area/);
  t.equal(body.numberOfWeights, pairs2006.length);
  t.same(
    body.weights.map((w: { fromId: string; toId: string }) => `${w.fromId}>${w.toId}`),
    pairs2006.map((p) => `${p.from}>${p.to}`),
    'ordered by source and target, only 2006 → 2021 planungsraum',
  );
  for (const w of body.weights) t.ok(Math.abs(w.weight - weights.get(`${w.fromId}>${w.toId}`)!) < 1e-12, `${w.fromId}>${w.toId}`);
  const sums = new Map<string, number>();
  for (const w of body.weights) sums.set(w.fromId, (sums.get(w.fromId) ?? 0) + w.weight);
  for (const [id, sum] of sums) t.ok(Math.abs(sum - 1) < 1e-12, `the weights of ${id} sum to 1`);
  t.equal(body.weights[1].fromName, await nameOf('2006', '01011102'));
  t.equal(body.weights[1].toName, await nameOf('2021', '01100102'));
  t.match(body.weights[1], { overlapM2: 3005387.8, shareOfFrom: 0.9987, shareOfTo: 0.7625, method: 'area' });
  const rels = body.links.map((l: { rel: string; type: string }) => `${l.rel} ${l.type}`);
  t.ok(rels.includes('self application/json') && rels.includes('alternate text/csv'));
  const csvLink = body.links.find((l: { rel: string }) => l.rel === 'alternate').href as string;
  t.match(csvLink, /\/v1\/lor\/crosswalk\?from=2006&to=2021&level=planungsraum&f=csv$/);
  t.ok(body.links.some((l: { rel: string; href: string }) => l.rel === 'related' && l.href.endsWith('/collections/lor-2021-planungsraum')));
});

t.test('unit filters by the source unit; the other direction is its own table', async (t) => {
  const one = (await get('/v1/lor/crosswalk?from=2006&to=2021&level=planungsraum&unit=01011102')).json();
  t.equal(one.unit, '01011102');
  t.same(one.weights.map((w: { toId: string }) => w.toId), ['01100102', '01100205', '01100206']);
  const back = (await get('/v1/lor/crosswalk?from=2021&to=2006&level=planungsraum')).json();
  t.same(back.weights.map((w: { fromId: string; toId: string }) => [w.fromId, w.toId]), [['01100102', '01011102']]);
  const bzr = (await get('/v1/lor/crosswalk?from=2006&to=2021&level=bezirksregion')).json();
  t.same(bzr.sources, ['lor-crosswalk-2006-2021-bezirksregion.csv']);
});

const columns = 'from_version,to_version,level,from_id,to_id,weight,overlap_m2,share_of_from,share_of_to,method';

t.test('CSV by f=csv and by Accept: the named columns, LOR ids as quoted text, one row per weight', async (t) => {
  const byF = await get('/v1/lor/crosswalk?from=2006&to=2021&level=planungsraum&f=csv');
  const byAccept = await get('/v1/lor/crosswalk?from=2006&to=2021&level=planungsraum', { accept: 'text/csv' });
  for (const res of [byF, byAccept]) {
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^text\/csv/);
    t.match(res.headers['content-disposition'], /lor-crosswalk-2006-2021-planungsraum\.csv/);
  }
  t.equal(byAccept.body, byF.body);
  const lines = byF.body.trimEnd().split('\r\n');
  t.equal(lines[0], columns);
  t.equal(lines.length, pairs2006.length + 1);
  const w = weights.get('01011102>01100102')!;
  t.equal(lines[2], `"2006","2021","planungsraum","01011102","01100102",${w},3005387.8,0.9987,0.7625,"area"`);
});

const ogrinfo = ['/usr/bin/ogrinfo', '/usr/local/bin/ogrinfo'].find((p) => existsSync(p));
t.test('GDAL reads the CSV with the ids as strings and the weights as reals', { skip: ogrinfo ? false : 'ogrinfo is not installed' }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datenpool-crosswalk-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'crosswalk.csv');
  writeFileSync(file, (await get('/v1/lor/crosswalk?from=2006&to=2021&level=planungsraum&f=csv')).body);
  const { stdout } = await promisify(execFile)(ogrinfo!, ['-ro', '-al', '-oo', 'AUTODETECT_TYPE=YES', '-oo', 'QUOTED_FIELDS_AS_STRING=YES', file]);
  t.match(stdout, /Feature Count: 4/);
  t.match(stdout, /from_id: String/);
  t.match(stdout, /weight: Real/);
  t.match(stdout, /from_id \(String\) = 01011101/, 'the leading zero is kept');
});

t.test('bad parameters are 400 problems naming the parameter', async (t) => {
  const cases: Array<[string, string]> = [
    ['from=2006&to=2006&level=planungsraum', 'to'],
    ['from=2006&to=2021&level=bezirk', 'level'],
    ['from=1990&to=2021&level=planungsraum', 'from'],
    ['from=2006&to=2021', 'level'],
    ['from=2006&to=2021&level=planungsraum&unit=0101', 'unit'],
    ['from=2006&to=2021&level=planungsraum&unit=abc', 'unit'],
    ['from=2006&to=2021&level=planungsraum&f=xml', 'f'],
  ];
  for (const [query, name] of cases) {
    const res = await get(`/v1/lor/crosswalk?${query}`);
    t.equal(res.statusCode, 400, query);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.ok(
      res.json().invalidParams?.some((p: { name?: string }) => p.name === name),
      `${query} names ${name}: ${JSON.stringify(res.json().invalidParams)}`,
    );
  }
});

t.test('a unit without weights and a level without a loaded table are 404 problems', async (t) => {
  const unit = await get('/v1/lor/crosswalk?from=2006&to=2021&level=planungsraum&unit=12345678');
  t.equal(unit.statusCode, 404);
  t.match(unit.json(), { status: 404, detail: /12345678/ });
  const level = await get('/v1/lor/crosswalk?from=2006&to=2021&level=prognoseraum');
  t.equal(level.statusCode, 404);
  t.match(level.headers['content-type'], /application\/problem\+json/);
});
