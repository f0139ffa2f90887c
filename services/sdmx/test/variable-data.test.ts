// Data of variable flows (DF_VAR_*): SDMX-CSV 2.0, SDMX-JSON 2.0, SDMX-ML 2.1 against the native observations API; revisions.
import { randomUUID } from 'node:crypto';
import { sql } from '@datenpool/db';
import { generateKey, hashKey } from '@datenpool/service-kit';
import { Ajv } from 'ajv';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { parseXml, type Row, readCsv, readJson, readXml } from './decode.ts';
import { dataMessageSchema } from './sdmx-json-schemas.ts';

const { app, database } = await testGateway(t);
const { db } = database;
const validateJson = new Ajv({ allErrors: true, strict: false }).compile(dataMessageSchema);

/** two Planungsräume with einwohner on 2022-06-30, picked from the data */
const units = (
  await sql<{ unit_id: string }>`SELECT DISTINCT unit_id FROM observation WHERE variable_id = 'einwohner' AND ref_date = '2022-06-30'
    AND breakdown = 'age=unter6' ORDER BY unit_id LIMIT 2`.execute(db)
).rows.map((r) => r.unit_id);

/** the native API's observations as `unit|breakdown|date` → value, breakdowns written as SDMX codes (`age_unter6`, `_T`) */
async function native(query: string): Promise<Map<string, number | null>> {
  const res = await app.inject({ url: `/v1/variables/einwohner/observations?${query}` });
  if (res.statusCode !== 200) throw new Error(res.body);
  const out = new Map<string, number | null>();
  for (const o of res.json().observations as Array<{ unit: string; date: string; breakdown: Record<string, string>; value: number | null }>) {
    const entries = Object.entries(o.breakdown).sort();
    const code = entries.length ? entries.map(([d, c]) => `${d}_${c}`).join('__') : '_T';
    out.set(`${o.unit}|${code}|${o.date}`, o.value);
  }
  return out;
}

function byKey(rows: Row[]): Map<string, number | null> {
  return new Map(rows.map((r) => [`${r.REF_AREA}|${r.BREAKDOWN}|${r.TIME_PERIOD}`, r.OBS_VALUE === '' || r.OBS_VALUE === null || r.OBS_VALUE === 'NaN' ? null : Number(r.OBS_VALUE)]));
}

const dataUrl = (key: string, query = '') => `/sdmx/2.1/data/DF_VAR_EINWOHNER/${key}${query ? `?${query}` : ''}`;

t.test('SDMX-CSV 2.0 of a variable has the standard columns and the values of the native API', async (t) => {
  const res = await app.inject({ url: dataUrl(`einwohner.${units.join('+')}.`, 'startPeriod=2022-06&endPeriod=2022-06') });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/vnd\.sdmx\.data\+csv;\s*version=2\.0\.0/);
  const rows = readCsv(res.body);
  t.same(Object.keys(rows[0] as Row), ['STRUCTURE', 'STRUCTURE_ID', 'ACTION', 'VARIABLE', 'REF_AREA', 'BREAKDOWN', 'TIME_PERIOD', 'OBS_VALUE', 'OBS_STATUS', 'CONF_STATUS']);
  t.ok(rows.every((r) => r.STRUCTURE === 'dataflow' && r.STRUCTURE_ID === 'DATENPOOL:DF_VAR_EINWOHNER(1.0)' && r.ACTION === 'I' && r.OBS_STATUS === 'A'));
  const expected = await native(`unit=${units.join(',')}&date=2022-06-30`);
  t.ok(expected.size >= 20, `the native API has ${expected.size} values`);
  t.same(byKey(rows), expected);
  t.ok(rows.some((r) => r.BREAKDOWN === '_T') && rows.some((r) => r.BREAKDOWN === 'age_unter6'), 'total and age bands');
});

t.test('the breakdown dimension selects codes joined with +; TIME_PERIOD is the reference date for a two-date variable', async (t) => {
  const res = await app.inject({ url: dataUrl(`einwohner.${units[0]}._T+age_unter6`) });
  const rows = readCsv(res.body);
  t.same([...new Set(rows.map((r) => r.BREAKDOWN))].sort(), ['_T', 'age_unter6']);
  const periods = [...new Set(rows.map((r) => r.TIME_PERIOD))].sort();
  t.ok(periods.includes('2022-06-30') && periods.includes('2022-12-31'), 'einwohner is dated 06-30 and 12-31');
  t.ok(periods.every((p) => /^\d{4}-(06-30|12-31)$/.test(p as string)), 'full dates, not years');
  t.same(byKey(rows), new Map([...(await native(`unit=${units[0]}`))].filter(([k]) => /\|(_T|age_unter6)\|/.test(k))));
});

t.test('a variable with one reference date a year is annual: TIME_PERIOD 2020 for 31 December 2020', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/data/DF_VAR_MSS_K01/all?startPeriod=2020&endPeriod=2020' });
  const rows = readCsv(res.body);
  const count = await db.selectFrom('observation').select(sql<number>`count(*)::int`.as('n')).where('variable_id', '=', 'mss_k01').where('lor_version', '=', '2021').where('valid_to', 'is', null).where('ref_date', '=', '2020-12-31').executeTakeFirstOrThrow();
  t.equal(rows.length, count.n);
  t.ok(rows.every((r) => r.TIME_PERIOD === '2020'));
});

t.test('SDMX-JSON 2.0 validates against the schema and carries the same observations as the CSV', async (t) => {
  const key = `einwohner.${units.join('+')}.`;
  // the dates delivered on LOR 2021 (earlier ones are carried across the reform, status estimated)
  const period = 'startPeriod=2021-01-01';
  const res = await app.inject({ url: dataUrl(key, period), headers: { accept: 'application/vnd.sdmx.data+json;version=2.0.0' } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/vnd\.sdmx\.data\+json;\s*version=2\.0\.0/);
  const body = res.json();
  t.ok(validateJson(body), JSON.stringify(validateJson.errors?.slice(0, 5)));
  const structure = body.data.structures[0];
  t.same(structure.dimensions.series.map((d: { id: string }) => d.id), ['VARIABLE', 'REF_AREA', 'BREAKDOWN']);
  t.same(structure.dimensions.observation.map((d: { id: string }) => d.id), ['TIME_PERIOD']);
  const csv = readCsv((await app.inject({ url: dataUrl(key, `format=csv&${period}`) })).body);
  t.same(byKey(readJson(body)), byKey(csv));
  t.ok(readJson(body).every((r) => r.OBS_STATUS === 'A'));

  const flat = (await app.inject({ url: dataUrl(key, `format=json&dimensionAtObservation=AllDimensions&${period}`) })).json();
  t.ok(validateJson(flat), JSON.stringify(validateJson.errors?.slice(0, 5)));
  t.ok(flat.data.dataSets[0].observations && !flat.data.dataSets[0].series, 'flat observations');
  t.same(byKey(readJson(flat)), byKey(csv));
});

t.test('SDMX-ML 2.1 StructureSpecific is well-formed, has its layout and the same observations', async (t) => {
  const key = `einwohner.${units.join('+')}.`;
  const res = await app.inject({ url: dataUrl(key, 'startPeriod=2021-01-01'), headers: { accept: 'application/vnd.sdmx.structurespecificdata+xml;version=2.1' } });
  t.equal(res.statusCode, 200);
  const doc = parseXml(res.body)['message:StructureSpecificData'];
  t.equal(doc['xmlns:ss'], 'http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific');
  const structure = doc['message:Header']['message:Structure'];
  t.equal(structure.dimensionAtObservation, 'TIME_PERIOD');
  t.equal(structure['common:StructureUsage'].Ref.id, 'DF_VAR_EINWOHNER');
  const ds = doc['message:DataSet'][0];
  t.equal(ds['ss:structureRef'], structure.structureID, 'the data set points at the header structure');
  t.equal(ds['xsi:type'], 'ns1:DataSetType');
  t.equal(doc['xmlns:ns1'], structure.namespace);
  t.ok(ds.Series.every((s: Record<string, unknown>) => s.VARIABLE === 'einwohner' && s.REF_AREA && s.BREAKDOWN && !('TIME_PERIOD' in s)));
  const csv = readCsv((await app.inject({ url: dataUrl(key, 'format=csv&startPeriod=2021-01-01') })).body);
  t.same(byKey(readXml(res.body)), byKey(csv));
});

async function pushKey(): Promise<string> {
  const { key, prefix } = generateKey();
  await db.insertInto('api_key').values({ id: randomUUID(), prefix, hash: await hashKey(key), agency_id: 'afs', scopes: ['ingest:write'], label: 'sdmx test' }).execute();
  return key;
}

async function now(): Promise<string> {
  return (await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(db)).rows[0]?.now.toISOString() as string;
}

t.test('updatedAfter, includeHistory and asOf follow the revisions ingestion keeps', async (t) => {
  const key = await pushKey();
  const unit = units[0] as string;
  const push = (body: string, type = 'text/csv') =>
    app.inject({ method: 'POST', url: '/v1/variables/einwohner/observations', headers: { authorization: `Bearer ${key}`, 'content-type': type }, payload: body });
  const before = await now();
  const original = byKey(readCsv((await app.inject({ url: dataUrl(`einwohner.${unit}._T`, 'startPeriod=2022-06-30&endPeriod=2022-06-30') })).body)).get(`${unit}|_T|2022-06-30`);
  t.type(original, 'number');
  const corrected = (original as number) + 7;
  const first = await push(`unit,date,value,status\n${unit},2022-06-30,${corrected},provisional\n`);
  t.equal(first.statusCode, 201, first.body);
  const between = await now();

  const current = readCsv((await app.inject({ url: dataUrl(`einwohner.${unit}._T`, 'startPeriod=2022-06-30&endPeriod=2022-06-30') })).body);
  t.same(current.map((r) => [r.OBS_VALUE, r.OBS_STATUS]), [[String(corrected), 'P']], 'the correction, provisional');

  const past = readCsv((await app.inject({ url: dataUrl(`einwohner.${unit}._T`, `startPeriod=2022-06-30&endPeriod=2022-06-30&asOf=${encodeURIComponent(before)}`) })).body);
  t.same(past.map((r) => Number(r.OBS_VALUE)), [original], 'asOf before the push gives the old value');

  const changes = readCsv((await app.inject({ url: dataUrl('all', `updatedAfter=${encodeURIComponent(before)}`) })).body);
  t.same(changes.map((r) => [r.ACTION, r.REF_AREA, r.BREAKDOWN, r.TIME_PERIOD, Number(r.OBS_VALUE)]), [['R', unit, '_T', '2022-06-30', corrected]], 'only the revised observation');
  t.ok(changes[0]?.VALID_FROM, 'with its VALID_FROM');

  const history = readCsv((await app.inject({ url: dataUrl(`einwohner.${unit}._T`, 'startPeriod=2022-06-30&endPeriod=2022-06-30&includeHistory=true') })).body);
  t.same(history.map((r) => Number(r.OBS_VALUE)), [original, corrected], 'both revisions, oldest first');
  t.equal(history[0]?.VALID_TO, history[1]?.VALID_FROM, 'the old revision ends where the new one begins');
  t.equal(history[1]?.VALID_TO, '');
  const native = await app.inject({ url: `/v1/variables/einwohner/observations/history?unit=${unit}&date=2022-06-30&breakdown=total` });
  t.same(native.json().revisions.map((r: { validFrom: string }) => r.validFrom), history.map((r) => r.VALID_FROM), 'the same validity as the native history');

  const deleted = await push(`ACTION,REF_AREA,TIME_PERIOD,OBS_VALUE\nD,${unit},2022-06-30,\n`, 'application/vnd.sdmx.data+csv');
  t.equal(deleted.statusCode, 201, deleted.body);
  const sinceBetween = readCsv((await app.inject({ url: dataUrl('all', `updatedAfter=${encodeURIComponent(between)}`) })).body);
  t.same(sinceBetween.map((r) => [r.ACTION, r.REF_AREA, r.OBS_VALUE]), [['D', unit, '']], 'a deletion is ACTION D');
  const json = (await app.inject({ url: dataUrl('all', `format=json&includeHistory=true&updatedAfter=${encodeURIComponent(before)}`) })).json();
  t.ok(validateJson(json), JSON.stringify(validateJson.errors?.slice(0, 5)));
  t.same(json.data.dataSets.map((d: { action: string }) => d.action), ['Replace', 'Delete'], 'one data set per revision time, in order');
  const xml = readXml((await app.inject({ url: dataUrl('all', `format=xml&includeHistory=true&updatedAfter=${encodeURIComponent(before)}`) })).body);
  t.same(xml.map((r) => r._action), ['Replace', 'Delete']);
  const gone = readCsv((await app.inject({ url: dataUrl(`einwohner.${unit}._T`, 'startPeriod=2022-06-30&endPeriod=2022-06-30') })).body);
  t.same(gone, [], 'the current state no longer has it');
});

t.test('bad keys and periods are 400 problems saying what is wrong; an unknown flow is a 404', async (t) => {
  const cases: Array<[string, number, RegExp]> = [
    [dataUrl('einwohner.99999999._T'), 400, /unknown code 99999999 for REF_AREA/],
    [dataUrl('einwohner._T'), 400, /2 dimension values where the structure has 3/],
    [dataUrl('einwohner..age_nope'), 400, /unknown code age_nope for BREAKDOWN/],
    [dataUrl('kitas..'), 400, /unknown code kitas for VARIABLE/],
    [dataUrl('einwohner.+01._T'), 400, /empty code/],
    [dataUrl('all', 'startPeriod=2022-13'), 400, /startPeriod=2022-13/],
    [dataUrl('all', 'endPeriod=last'), 400, /endPeriod=last/],
    [dataUrl('all', 'startPeriod=2023&endPeriod=2022'), 400, /after endPeriod/],
    [dataUrl('all', 'updatedAfter=yesterday'), 400, /updatedAfter=yesterday/],
    [dataUrl('all', 'asOf=2024-01-01T00:00:00Z&includeHistory=true'), 400, /asOf cannot be combined/],
    [dataUrl('all', 'dimensionAtObservation=FOO'), 400, /dimensionAtObservation=FOO/],
    ['/sdmx/2.1/data/DF_NOPE/all', 404, /No dataflow DF_NOPE/],
    ['/sdmx/2.1/data/ECB,DF_VAR_EINWOHNER/all', 404, /No dataflow/],
    ['/sdmx/2.1/data/DF_VAR_ESU_UNTERSUCHTE/all', 404, /No dataflow/],
  ];
  for (const [url, status, detail] of cases) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, status, url);
    t.match(res.headers['content-type'], /application\/problem\+json/, url);
    t.match(res.json().detail, detail, url);
  }
});

t.test('dimensionAtObservation=REF_AREA makes series per period and breakdown; detail=dataonly drops the attributes', async (t) => {
  const key = `einwohner.${units.join('+')}._T+age_unter6`;
  const csv = readCsv((await app.inject({ url: dataUrl(key) })).body);
  const xml = await app.inject({ url: dataUrl(key, 'format=xml&dimensionAtObservation=REF_AREA') });
  const doc = parseXml(xml.body)['message:StructureSpecificData'];
  t.equal(doc['message:Header']['message:Structure'].dimensionAtObservation, 'REF_AREA');
  const series = doc['message:DataSet'][0].Series as Array<Record<string, any>>;
  t.ok(series.every((s) => s.TIME_PERIOD && s.BREAKDOWN && !s.REF_AREA && s.Obs.every((o: Record<string, string>) => o.REF_AREA)));
  t.same(byKey(readXml(xml.body)), byKey(csv));
  const json = (await app.inject({ url: dataUrl(key, 'format=json&dimensionAtObservation=REF_AREA') })).json();
  t.ok(validateJson(json), JSON.stringify(validateJson.errors?.slice(0, 5)));
  t.same(json.data.structures[0].dimensions.observation.map((d: { id: string }) => d.id), ['REF_AREA']);
  t.same(byKey(readJson(json)), byKey(csv));
  const bare = readCsv((await app.inject({ url: dataUrl(key, 'detail=dataonly') })).body);
  t.same(Object.keys(bare[0] as Row), ['STRUCTURE', 'STRUCTURE_ID', 'ACTION', 'VARIABLE', 'REF_AREA', 'BREAKDOWN', 'TIME_PERIOD', 'OBS_VALUE']);
  t.same(byKey(bare), byKey(csv));
});
