// Excel exports read by an independent reader (Debian's python3-openpyxl): one indicator × the units of a level and
// the unit profile hold the API's numbers as numeric cells, LOR ids as text cells, German headers; the profile's CSV
// is the German Excel dialect by default; the profile JSON has ranks within the district and Berlin.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { requirePythonModule } from '../../../test/support/real-client.ts';
import { csvColumns } from '../src/csv.ts';
import { profileColumns } from '../src/xlsx.ts';
import { loadFixture } from './fixture.ts';

// the reader is required: without it the test fails
const PYTHON = requirePythonModule(t, 'openpyxl', 'python3-openpyxl');

interface XCell {
  v: string | number | boolean | null;
  t: string;
}
/** every sheet of a workbook as rows of {value, openpyxl data type}, read by openpyxl */
function readXlsx(bytes: Buffer): Record<string, XCell[][]> {
  const script = `
import sys, io, json, datetime, openpyxl
wb = openpyxl.load_workbook(io.BytesIO(sys.stdin.buffer.read()))
def cell(c):
    v = c.value
    if isinstance(v, datetime.datetime): v = v.date().isoformat()
    return {"v": v, "t": c.data_type}
print(json.dumps({ws.title: [[cell(c) for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}))
`;
  const out = spawnSync(PYTHON, ['-c', script], { input: bytes, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`openpyxl could not read the workbook: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

const { app, database } = await testGateway(t);
const fixture = await loadFixture(database);
const unit = fixture.plr[3]?.id as string;
const close = (a: unknown, b: unknown) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9);

t.test('one indicator × every Planungsraum as .xlsx: the JSON values, ids as text, numbers as numbers', async (t) => {
  const json = (await app.inject({ url: '/v1/indicators/tx_spiel/values?level=planungsraum&date=2022' })).json();
  const res = await app.inject({ url: '/v1/indicators/tx_spiel/values?level=planungsraum&date=2022&f=xlsx' });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  t.match(res.headers['content-disposition'], /\.xlsx"/);
  const sheets = readXlsx(res.rawPayload);
  const rows = sheets.Werte as XCell[][];
  t.ok(rows, 'a sheet Werte');
  const header = (rows[0] ?? []).map((c) => c.v);
  t.same(header, csvColumns.map((c) => c.title), 'German headers');
  t.ok(header.includes('Abstand zum Ziel') && header.includes('Rang im Bezirk'));
  t.equal(rows.length - 1, json.values.length, 'one row per value');
  const col = (title: string) => header.indexOf(title);
  let checked = 0;
  for (const row of rows.slice(1)) {
    const id = row[col('Raum')] as XCell;
    t.equal(id.t, 's', `LOR id ${id.v} is a text cell`);
    t.match(String(id.v), /^\d{8}$/, 'with its leading zero');
    const v = json.values.find((x: { unit: string }) => x.unit === id.v);
    if (!v) {
      t.fail(`no JSON value for ${id.v}`);
      continue;
    }
    const cell = row[col('Wert')] as XCell;
    if (v.value === null) t.equal(cell.v, null, `${id.v}: suppressed is empty`);
    else {
      t.equal(cell.t, 'n', `${id.v}: value is a numeric cell`);
      if (!close(cell.v, v.value)) t.fail(`${id.v}: ${cell.v} ≠ ${v.value}`);
      checked++;
    }
    for (const [title, key] of [['Bezirk', 'district'], ['Berlin', 'berlin'], ['Rang in Berlin', 'rank'], ['Rang im Bezirk', 'rankDistrict'], ['Nenner', 'denominator']] as const) {
      if (!close((row[col(title)] as XCell).v, v[key])) t.fail(`${id.v} ${title}: ${(row[col(title)] as XCell).v} ≠ ${v[key]}`);
    }
    t.equal((row[col('Stichtag')] as XCell).v, '2022-12-31');
  }
  t.ok(checked > 10, `${checked} values compared`);
});

t.test('the profile as .xlsx: one row per core indicator with the profile JSON numbers, series and info sheets', async (t) => {
  const json = (await app.inject({ url: `/v1/units/${unit}/profile?date=2022`, headers: { accept: 'application/json' } })).json();
  const res = await app.inject({ url: `/v1/units/${unit}/profile?date=2022&f=xlsx` });
  t.equal(res.statusCode, 200);
  const sheets = readXlsx(res.rawPayload);
  t.same(Object.keys(sheets), ['Profil', 'Zeitreihen', 'Info']);
  const rows = sheets.Profil as XCell[][];
  const header = (rows[0] ?? []).map((c) => c.v);
  t.same(header, profileColumns);
  const entries = json.zielbereiche.flatMap((z: { indicators: unknown[] }) => z.indicators);
  t.equal(rows.length - 1, entries.length, 'every core indicator');
  const col = (title: string) => header.indexOf(title);
  let compared = 0;
  for (const e of entries) {
    const row = rows.find((r) => r[col('Indikator-ID')]?.v === e.indicator);
    if (!row) {
      t.fail(`no row for ${e.indicator}`);
      continue;
    }
    if (e.value === null) {
      t.equal(row[col('Status')]?.v, 'keine Daten', `${e.indicator}: keine Daten`);
      continue;
    }
    for (const [title, v] of [['Wert', e.value.value], ['Bezirk', e.value.district], ['Berlin', e.value.berlin], ['Rang in Berlin', e.value.rank], ['Veränderung zum Vorjahr', e.value.change1y]] as const) {
      const cell = row[col(title)] as XCell;
      if (v === null) t.equal(cell.v, null, `${e.indicator} ${title} empty`);
      else {
        t.equal(cell.t, 'n', `${e.indicator} ${title} numeric`);
        t.ok(close(cell.v, v), `${e.indicator} ${title}: ${cell.v} = ${v}`);
        compared++;
      }
    }
  }
  t.ok(compared > 20, `${compared} numbers compared`);
  const info = new Map((sheets.Info as XCell[][]).map((r) => [r[0]?.v, r[1]]));
  t.equal(info.get('LOR-ID')?.v, unit);
  t.equal(info.get('LOR-ID')?.t, 's', 'the LOR id is text');
  t.equal(info.get('Ebene')?.v, 'Planungsraum');
  const series = sheets.Zeitreihen as XCell[][];
  const sHeader = (series[0] ?? []).map((c) => c.v);
  const volumen = series.filter((r) => r[sHeader.indexOf('Indikator')]?.v === 'tx_volumen');
  const jsonSeries = entries.find((e: { indicator: string }) => e.indicator === 'tx_volumen').series;
  t.equal(volumen.length, jsonSeries.length, 'the series of an indicator');
  for (const r of volumen) {
    const s = jsonSeries.find((x: { date: string }) => x.date === r[sHeader.indexOf('Stichtag')]?.v);
    t.ok(s && close(r[sHeader.indexOf('Wert')]?.v, s.value), `series ${r[sHeader.indexOf('Stichtag')]?.v}`);
  }
});

t.test('the profile CSV defaults to the German Excel dialect: BOM, semicolons, decimal commas', async (t) => {
  const res = await app.inject({ url: `/v1/units/${unit}/profile?f=csv` });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/csv/);
  t.equal(res.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf');
  const lines = res.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  t.same((lines[0] as string).split(';'), csvColumns.map((c) => c.name));
  t.ok(lines.slice(1).every((l) => l.split(';').length === csvColumns.length), 'semicolon separated');
  t.ok(lines.some((l) => /;\d+,\d+;/.test(l)), 'decimal commas');
  t.ok(!lines.slice(1).some((l) => /;\d+\.\d+;/.test(l)), 'no decimal points');
  const comma = await app.inject({ url: `/v1/units/${unit}/profile?f=csv&sep=comma&decimal=point` });
  t.ok(comma.body.split('\r\n')[0]?.includes(','), 'the dialect can still be chosen');
});

t.test('profile JSON: rank within the district and within Berlin, with the numbers of units ranked', async (t) => {
  const profile = (await app.inject({ url: `/v1/units/${unit}/profile?date=2022`, headers: { accept: 'application/json' } })).json();
  t.equal(profile.unit.levelLabel, 'Planungsraum');
  t.match(profile.unit.district, { id: '02' });
  const entry = profile.zielbereiche.flatMap((z: { indicators: unknown[] }) => z.indicators).find((i: { indicator: string }) => i.indicator === 'tx_spiel');
  const all = (await app.inject({ url: '/v1/indicators/tx_spiel/values?level=planungsraum&date=2022' })).json().values as Array<{ unit: string; value: number | null; rank: number; rankDistrict: number }>;
  const ranked = all.filter((v) => v.value !== null);
  const mine = ranked.find((v) => v.unit === unit) as { value: number };
  // the ranks counted independently: 1 + the units with a higher value (ties share a rank)
  t.equal(entry.value.rank, 1 + ranked.filter((v) => (v.value as number) > mine.value).length, 'rank in Berlin');
  const district = ranked.filter((v) => v.unit.slice(0, 2) === unit.slice(0, 2));
  t.equal(entry.value.rankDistrict, 1 + district.filter((v) => (v.value as number) > mine.value).length, 'rank in the district');
  t.same(entry.unitsRanked, { berlin: ranked.length, district: district.length });
  for (const v of ranked) {
    const expected = 1 + ranked.filter((x) => x.unit.slice(0, 2) === v.unit.slice(0, 2) && (x.value as number) > (v.value as number)).length;
    if (v.rankDistrict !== expected) t.fail(`${v.unit}: rankDistrict ${v.rankDistrict} ≠ ${expected}`);
  }
  const bezirk = (await app.inject({ url: '/v1/indicators/tx_spiel/values?level=bezirk&date=2022' })).json().values;
  t.ok(bezirk.every((v: { rankDistrict: number | null }) => v.rankDistrict === null), 'a Bezirk has no rank within itself');
});

t.test('the profile lists indicators without data compactly with the reason; Berlin has a profile too', async (t) => {
  const html = (await app.inject({ url: `/v1/units/${unit}/profile`, headers: { accept: 'text/html' } })).body;
  t.match(html, /<html lang="de">/);
  t.match(html, /<h1>Planungsraum /);
  t.notMatch(html, /Ebene planungsraum/);
  t.match(html, /Stichtag \d{2}\.\d{2}\.\d{4}/);
  t.match(html, /<svg class="chart"/);
  t.match(html, /Rang im Bezirk/);
  t.match(html, /@media print/);
  t.match(html, /f=xlsx/);
  const json = (await app.inject({ url: `/v1/units/${unit}/profile`, headers: { accept: 'application/json' } })).json();
  const empty = json.zielbereiche.flatMap((z: { indicators: Array<{ value: unknown; indicator: string }> }) => z.indicators).filter((i: { value: unknown }) => i.value === null);
  const cards = (html.match(/<article class="card"/g) ?? []).length;
  t.equal(cards, json.withData, 'one card per indicator with data');
  const listed = (html.match(/<li data-indicator="[^"]+"><strong>[^<]+<\/strong> – keine Daten/g) ?? []).length;
  t.equal(listed, empty.length, 'each indicator without data is one line "keine Daten"');
  const berlin = await app.inject({ url: '/v1/units/0/profile', headers: { accept: 'text/html' } });
  t.equal(berlin.statusCode, 200);
  t.match(berlin.body, /<h1>Berlin<\/h1>/);
});
