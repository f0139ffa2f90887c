// Series, the unit profile (JSON and HTML), CSV for Excel (semicolon, decimal comma, BOM) and its CSVW metadata.
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { applySecondary, byKey, Sums, simpleValues } from './expected.ts';
import { DISTRICT, loadFixture, years } from './fixture.ts';

const { app, database } = await testGateway(t);
const fixture = await loadFixture(database);
const simple = simpleValues(new Sums(fixture.observations));
applySecondary(simple);
const hand = byKey(simple);
const unit = fixture.plr[3]?.id as string;
const close = (a: number | null | undefined, b: number | null | undefined) =>
  a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9);

t.test('series: every year of the unit beside its district and Berlin', async (t) => {
  const res = await app.inject({ url: `/v1/indicators/tx_volumen/series?unit=${unit}` });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.same(body.series.map((v: { date: string }) => v.date), years.map((y) => `${y}-12-31`));
  for (const [list, level, id] of [[body.series, 'planungsraum', unit], [body.district, 'bezirk', DISTRICT], [body.berlin, 'berlin', '0']] as const) {
    for (const v of list) {
      const e = hand.get(`tx_volumen|${level}|${id}|${Number(v.date.slice(0, 4))}|`);
      if (!close(v.value, e?.value ?? null)) t.fail(`${level} ${v.date}: ${v.value} ≠ ${e?.value}`);
    }
    t.equal(list.length, years.length, `${level}: ${years.length} years`);
  }
});

t.test('CSV with sep=semicolon&decimal=comma: BOM, semicolons, decimal commas, the values of the JSON', async (t) => {
  const json = (await app.inject({ url: '/v1/indicators/tx_spiel/values?level=planungsraum&date=2022' })).json();
  const res = await app.inject({ url: '/v1/indicators/tx_spiel/values?level=planungsraum&date=2022&f=csv&sep=semicolon&decimal=comma' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/csv/);
  t.equal(res.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf', 'starts with the UTF-8 BOM');
  const lines = res.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  const header = (lines[0] as string).split(';');
  t.equal(lines.length - 1, json.values.length, 'one row per value');
  const valueAt = header.indexOf('value');
  const unitAt = header.indexOf('unit');
  for (const line of lines.slice(1)) {
    const cells = line.split(';');
    const v = json.values.find((x: { unit: string }) => x.unit === cells[unitAt]);
    t.equal(Number((cells[valueAt] as string).replace(',', '.')), v.value, `${cells[unitAt]}`);
  }
  t.ok(lines.some((l) => /;\d+,\d+;/.test(l)), 'decimals are written with a comma');
  t.ok(res.body.includes('Friedrichshain') || res.body.includes(';'), 'names in UTF-8');
});

t.test('CSVW metadata describes the CSV: url, dialect, one column per CSV column', async (t) => {
  const csv = await app.inject({ url: '/v1/indicators/tx_spiel/values?date=2022&f=csv&sep=semicolon&decimal=comma' });
  const res = await app.inject({ url: '/v1/indicators/tx_spiel/values?date=2022&f=csvw&sep=semicolon&decimal=comma' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/csvm\+json/);
  const doc = res.json();
  t.equal(doc['@context'], 'http://www.w3.org/ns/csvw');
  t.match(doc.url, /f=csv/);
  t.equal(doc.dialect.delimiter, ';');
  const header = csv.body.replace(/^\uFEFF/, '').split('\r\n')[0]?.split(';');
  t.same(doc.tableSchema.columns.map((c: { name: string }) => c.name), header);
  t.match(doc.tableSchema.columns.find((c: { name: string }) => c.name === 'value'), { datatype: { base: 'decimal', format: { decimalChar: ',' } } });
  const followed = await app.inject({ url: doc.url });
  t.equal(followed.body, csv.body, 'its url gives the CSV');
});

t.test('profile JSON: every core indicator grouped by Zielbereich with unit, district and Berlin values and series', async (t) => {
  const res = await app.inject({ url: `/v1/units/${unit}/profile?date=2022`, headers: { accept: 'application/json' } });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.match(body.unit, { id: unit, level: 'planungsraum' });
  t.equal(body.date, '2022-12-31');
  const names = body.zielbereiche.map((z: { zielbereich: string }) => z.zielbereich);
  t.ok(names.indexOf('Armut') < names.indexOf('Wohnen'), 'Zielbereiche in the order of the handbook');
  const wohnen = body.zielbereiche.find((z: { zielbereich: string }) => z.zielbereich === 'Wohnen');
  const volumen = wohnen.indicators.find((i: { indicator: string }) => i.indicator === 'tx_volumen');
  t.ok(close(volumen.value.value, hand.get(`tx_volumen|planungsraum|${unit}|2022|`)?.value), 'the unit value');
  t.ok(close(volumen.value.district, hand.get(`tx_volumen|bezirk|${DISTRICT}|2022|`)?.value), 'the district value');
  t.ok(close(volumen.value.berlin, hand.get('tx_volumen|berlin|0|2022|')?.value), 'the Berlin value');
  t.equal(volumen.series.length, years.length, 'the series');
  t.ok(close(volumen.value.change1y, (hand.get(`tx_volumen|planungsraum|${unit}|2022|`)?.value ?? 0) - (hand.get(`tx_volumen|planungsraum|${unit}|2021|`)?.value ?? 0)));
});

t.test('profile HTML for browsers; unknown unit is a 404', async (t) => {
  const res = await app.inject({ url: `/v1/units/${unit}/profile`, headers: { accept: 'text/html' } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/html/);
  t.match(res.body, /<h2>Wohnen<\/h2>/);
  t.match(res.body, /Test tx_volumen/);
  const missing = await app.inject({ url: '/v1/units/99999999/profile' });
  t.equal(missing.statusCode, 404);
});
