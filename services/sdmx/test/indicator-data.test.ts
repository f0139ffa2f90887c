// Data of indicator flows (DF_INDICATORS_<version>): every format against the native indicator values API.
import { Ajv } from 'ajv';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { type Row, readCsv, readJson, readXml } from './decode.ts';
import { dataMessageSchema } from './sdmx-json-schemas.ts';

const { app } = await testGateway(t);
const validateJson = new Ajv({ allErrors: true, strict: false }).compile(dataMessageSchema);
const indicators = ['anteil_unter_6', 'anteil_65_plus', 'auslaenderanteil', 'kita_plaetze_je_100_u6'];

interface NativeValue {
  unit: string;
  date: string;
  value: number | null;
  status: string;
  suppression: string | null;
}

/** the native API's values of one indicator and year (every level, the total) */
async function native(indicator: string, query = 'date=2022'): Promise<NativeValue[]> {
  const res = await app.inject({ url: `/v1/indicators/${indicator}/values?${query.includes('version=') ? '' : 'version=2021&'}${query}` });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json().values;
}

const value = (v: unknown) => (v === '' || v === null || v === undefined || v === 'NaN' ? null : Number(v));
const byUnit = (rows: Row[]) => new Map(rows.map((r) => [String(r.REF_AREA), value(r.OBS_VALUE)]));

t.test('SDMX-CSV of each bundled indicator has the native values per unit for 2022, with their status', async (t) => {
  for (const indicator of indicators) {
    const expected = await native(indicator);
    t.ok(expected.length > 50, `${indicator}: ${expected.length} native values`);
    t.ok(expected.every((v) => v.date === '2022-12-31'));
    const res = await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/${indicator}.._T?startPeriod=2022&endPeriod=2022&format=csv` });
    t.equal(res.statusCode, 200);
    const rows = readCsv(res.body);
    t.ok(rows.every((r) => r.INDICATOR === indicator && r.TIME_PERIOD === '2022' && r.BREAKDOWN === '_T'), `${indicator}: dimensions`);
    t.same(byUnit(rows), new Map(expected.map((v) => [v.unit, v.value])), `${indicator}: the same values`);
    const status = new Map(rows.map((r) => [r.REF_AREA, [r.OBS_STATUS, r.CONF_STATUS]]));
    for (const v of expected) {
      const want = v.status === 'suppressed' ? ['Q', v.suppression === 'secondary' ? 'D' : v.suppression === 'min_base' ? 'N' : 'C'] : [v.status === 'ok' ? 'A' : v.status === 'provisional' ? 'P' : 'E', ''];
      if (JSON.stringify(status.get(v.unit)) !== JSON.stringify(want)) t.fail(`${indicator} ${v.unit}: status ${status.get(v.unit)} for ${v.status}`);
    }
  }
});

t.test('suppressed values leave OBS_VALUE empty and say why in OBS_STATUS and CONF_STATUS', async (t) => {
  const suppressed = (await native('anteil_unter_6')).filter((v) => v.status === 'suppressed');
  t.ok(suppressed.length > 0, 'the bundled data has suppressed values');
  const unit = suppressed[0]?.unit as string;
  // the year the native values were read for (the unit has a value for every year of the residents' series)
  const rows = readCsv((await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/anteil_unter_6.${unit}._T?startPeriod=2022&endPeriod=2022` })).body);
  t.equal(rows.length, 1);
  t.equal(rows[0]?.OBS_VALUE, '');
  t.equal(rows[0]?.OBS_STATUS, 'Q');
  t.match(rows[0]?.CONF_STATUS, /^[CDN]$/);
});

t.test('SDMX-JSON and SDMX-ML of several indicators carry the same observations as the CSV', async (t) => {
  const key = `${indicators.join('+')}.0+01+02._T`;
  // one year: the residents' indicators have a value in every year of 2015–2025
  const year = 'startPeriod=2022&endPeriod=2022';
  const csv = readCsv((await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/${key}?${year}` })).body);
  t.equal(csv.length, indicators.length * 3, 'Berlin and two districts per indicator');
  const flat = (rows: Row[]) => rows.map((r) => `${r.INDICATOR}|${r.REF_AREA}|${r.BREAKDOWN}|${r.TIME_PERIOD}|${value(r.OBS_VALUE)}|${r.OBS_STATUS}`).sort();
  const json = (await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/${key}?${year}`, headers: { accept: 'application/vnd.sdmx.data+json;version=2.0.0' } })).json();
  t.ok(validateJson(json), JSON.stringify(validateJson.errors?.slice(0, 5)));
  t.same(flat(readJson(json)), flat(csv));
  const names = json.data.structures[0].dimensions.series.find((d: { id: string }) => d.id === 'INDICATOR').values;
  t.ok(names.every((v: { names: { de: string; en: string } }) => v.names.de && v.names.en), 'indicator names in German and English');
  const xml = await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/${key}?format=xml&${year}` });
  t.match(xml.headers['content-type'], /application\/vnd\.sdmx\.structurespecificdata\+xml;\s*version=2\.1/);
  t.same(flat(readXml(xml.body)), flat(csv));
  for (const indicator of indicators) {
    const expected = new Map((await native(indicator)).filter((v) => ['0', '01', '02'].includes(v.unit)).map((v) => [v.unit, v.value]));
    t.same(byUnit(csv.filter((r) => r.INDICATOR === indicator)), expected, `${indicator} for Berlin and districts`);
  }
});

t.test('an indicator that reads restricted variables or does not exist is an unknown code', async (t) => {
  for (const code of ['esu_sprachdefizite', 'no_such_indicator']) {
    const res = await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/${code}..` });
    t.equal(res.statusCode, 400);
    t.match(res.json().detail, new RegExp(`unknown code ${code} for INDICATOR`));
  }
});

t.test('updatedAfter gives the values computed since; none after now is an empty message', async (t) => {
  const rows = readCsv((await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/anteil_unter_6..?startPeriod=2022&endPeriod=2022&updatedAfter=${encodeURIComponent('2000-01-01T00:00:00Z')}` })).body);
  t.equal(rows.length, (await native('anteil_unter_6', 'date=2022&breakdown=*')).length, 'all values were computed after 2000');
  t.ok(rows.every((r) => r.ACTION === 'R' && r.VALID_FROM));
  const none = await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/anteil_unter_6..?updatedAfter=${encodeURIComponent(new Date().toISOString())}` });
  t.equal(none.statusCode, 200);
  t.same(readCsv(none.body), []);
  t.match(none.body, /^STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,BREAKDOWN,TIME_PERIOD,OBS_VALUE,/);
});

t.test('includeHistory is a 400 for indicator flows: values are recomputed, not revised', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/data/DF_INDICATORS_2021/all?includeHistory=true' });
  t.equal(res.statusCode, 400);
  t.match(res.json().detail, /use asOf/);
});

t.test('the 2006 indicator flow answers with the values of LOR 2006 (the residents carried there after 2020)', async (t) => {
  const res = await app.inject({ url: '/sdmx/2.1/data/DATENPOOL,DF_INDICATORS_2006,1.0/anteil_unter_6.0+01._T?startPeriod=2022&endPeriod=2022' });
  t.equal(res.statusCode, 200);
  const expected = new Map((await native('anteil_unter_6', 'date=2022&version=2006')).filter((v) => ['0', '01'].includes(v.unit)).map((v) => [v.unit, v.value]));
  t.equal(expected.size, 2);
  t.same(byUnit(readCsv(res.body)), expected);
  t.ok(readCsv(res.body).every((r) => r.OBS_STATUS === 'E'), 'estimated: carried across the reform');
});

t.test('asOf on an indicator flow computes from the revisions valid then, as the native asOf does', async (t) => {
  const at = new Date().toISOString();
  const res = await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/anteil_65_plus.0+01._T?startPeriod=2022&endPeriod=2022&asOf=${encodeURIComponent(at)}` });
  t.equal(res.statusCode, 200);
  const expected = (await native('anteil_65_plus', `date=2022&asOf=${encodeURIComponent(at)}`)).filter((v) => ['0', '01'].includes(v.unit));
  t.same(byUnit(readCsv(res.body)), new Map(expected.map((v) => [v.unit, v.value])));
});

t.test('data formats follow Accept: */* and text/csv give SDMX-CSV, generic SDMX-ML is a 406', async (t) => {
  const url = '/sdmx/2.1/data/DF_INDICATORS_2021/anteil_65_plus.0._T';
  for (const accept of ['*/*', 'text/csv', 'application/vnd.sdmx.data+csv;version=2.0.0', 'text/html,application/xhtml+xml,*/*;q=0.8']) {
    const res = await app.inject({ url, headers: { accept } });
    t.match(res.headers['content-type'], /application\/vnd\.sdmx\.data\+csv/, accept);
  }
  t.match((await app.inject({ url, headers: { accept: 'application/json' } })).headers['content-type'], /application\/vnd\.sdmx\.data\+json/);
  t.match((await app.inject({ url, headers: { accept: 'application/xml' } })).headers['content-type'], /structurespecificdata\+xml/);
  const generic = await app.inject({ url, headers: { accept: 'application/vnd.sdmx.genericdata+xml;version=2.1' } });
  t.equal(generic.statusCode, 406);
  t.match(generic.headers['content-type'], /application\/problem\+json/);
  const old = await app.inject({ url, headers: { accept: 'application/vnd.sdmx.data+json;version=1.0.0' } });
  t.equal(old.statusCode, 406, 'SDMX-JSON 1.0 is not served');
  const unknown = await app.inject({ url: `${url}?format=excel` });
  t.equal(unknown.statusCode, 400);
});
