// Delivered rates on the bundled MSS 2013–2021: each Kernindikator fed by an MSS rate shows the published value at the
// Planungsraum, and the base-weighted mean (computed here from the files and residents) at coarser levels; residents
// of the MSS files agree with the EWR; rate validation answers problem+json naming the field or row.
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { issueKey } from '../../metadata/test/fixtures/keys.ts';
import { close, editions, ewrPlr, mssFile } from './mss-support.ts';

const { app, database } = await testGateway(t);
const db = database.db;

interface Value {
  unit: string;
  level: string;
  date: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  status: string;
  provenance: { batches: string[]; weights?: { variable: string; fallback: boolean } };
}

async function values(indicator: string, version: string, level: string, date: string): Promise<Map<string, Value>> {
  const res = await app.inject({ url: `/v1/indicators/${indicator}/values?version=${version}&level=${level}&date=${date}` });
  if (res.statusCode !== 200) throw new Error(`${indicator}: ${res.statusCode} ${res.body}`);
  const body = res.json() as { values: Value[] };
  return new Map(body.values.filter((v) => v.date === date && v.level === level).map((v) => [v.unit, v]));
}

/** indicator ← open-lifeworlds column, in the editions that publish it (2015–2019 context columns are shifted: k01–k05 only) */
const mappings: Array<{ indicator: string; column: string; editions: number[] }> = [
  { indicator: 'kinder_sgb2', column: 's4_percentage_transfer_payments_recipients_below_15_years', editions: [2013, 2015, 2017, 2019, 2021] },
  { indicator: 'mss_arbeitslosigkeit', column: 's1_percentage_unemployed', editions: [2013, 2015, 2017, 2019, 2021] },
  { indicator: 'mss_langzeitarbeitslosigkeit', column: 's2_percentage_long_term_unemployed', editions: [2013, 2015, 2017] },
  { indicator: 'mss_transferbezug', column: 's3_percentage_transfer_payments_recipients', editions: [2013, 2015, 2017, 2019, 2021] },
  { indicator: 'mss_dynamik_kinderarmut', column: 'd4_percentage_transfer_payments_recipients_below_15_years', editions: [2013, 2017, 2021] },
  { indicator: 'altersgrundsicherung', column: 'k03_old_age_poverty', editions: [2013, 2015, 2017, 2019, 2021] },
  { indicator: 'anteil_alleinerziehende_bg', column: 'k02_single_parent_households', editions: [2013, 2015, 2021] },
  { indicator: 'jugendarbeitslosigkeit', column: 'k01_youth_unemployment', editions: [2013, 2017, 2021] },
  { indicator: 'anteil_migrationshintergrund_mss', column: 'k05_inhabitants_with_migration_background', editions: [2013, 2019, 2021] },
  { indicator: 'wanderungsvolumen', column: 'k11_migration_volume', editions: [2013, 2021] },
  { indicator: 'wanderungssaldo_unter6', column: 'k13_balance_of_migration_of_children_below_6', editions: [2013, 2021] },
  { indicator: 'wohndauer_5_jahre', column: 'k10_duration_of_residence_over_5_years', editions: [2013, 2021] },
];

t.test('each mapped indicator shows the published MSS value at every Planungsraum of the edition, as delivered', async (t) => {
  for (const m of mappings) {
    for (const edition of m.editions) {
      const e = editions.find((x) => x.edition === edition) as (typeof editions)[number];
      const file = mssFile(edition).filter((r) => r[m.column] !== null);
      const got = await values(m.indicator, e.version, 'planungsraum', e.date);
      const wrong = file.filter((r) => !close(got.get(r.id as string)?.value, Number(r[m.column])) || got.get(r.id as string)?.status !== 'ok');
      t.equal(wrong.length, 0, `${m.indicator} ${edition}: ${file.length} Planungsräume equal the file${wrong.length ? ` (first wrong ${wrong[0]?.id}: ${JSON.stringify(got.get(wrong[0]?.id as string))})` : ''}`);
      t.ok(file.length > 300, `${m.indicator} ${edition}: ${file.length} published values`);
    }
  }
});

/** Σ rate × base / Σ base over the Planungsräume of each Bezirksregion (and Berlin) that have a rate and a base */
function weightedMeans(rows: Array<Record<string, string | null>>, column: string, base: (id: string) => number | undefined) {
  const sums = new Map<string, { num: number; den: number }>();
  for (const r of rows) {
    const b = base(r.id as string);
    if (r[column] === null || b === undefined) continue;
    for (const key of [(r.id as string).slice(0, 6), '0']) {
      const s = sums.get(key) ?? { num: 0, den: 0 };
      s.num += (Number(r[column]) * b) / 100;
      s.den += b;
      sums.set(key, s);
    }
  }
  return new Map([...sums].map(([k, s]) => [k, { value: (s.num / s.den) * 100, den: s.den }]));
}

t.test('Bezirksregion and Berlin values are the means weighted by the declared base, marked estimated', async (t) => {
  const under15 = (ewr: Map<string, Record<string, number>>) => (id: string) => {
    const r = ewr.get(id);
    return r ? (r.inhabitants_age_below_6 as number) + (r.inhabitants_age_6_15 as number) : undefined;
  };
  const cases = [
    { indicator: 'kinder_sgb2', column: 's4_percentage_transfer_payments_recipients_below_15_years', edition: 2017, base: under15(ewrPlr(2016)) },
    { indicator: 'kinder_sgb2', column: 's4_percentage_transfer_payments_recipients_below_15_years', edition: 2019, base: under15(ewrPlr(2018)) },
    {
      indicator: 'altersgrundsicherung',
      column: 'k03_old_age_poverty',
      edition: 2019,
      base: (id: string) => ewrPlr(2018).get(id)?.inhabitants_age_above_65,
    },
  ];
  for (const c of cases) {
    const e = editions.find((x) => x.edition === c.edition) as (typeof editions)[number];
    const expected = weightedMeans(mssFile(c.edition), c.column, c.base);
    const bzr = await values(c.indicator, e.version, 'bezirksregion', e.date);
    const berlin = await values(c.indicator, e.version, 'berlin', e.date);
    let checked = 0;
    for (const [unit, x] of expected) {
      const got = unit === '0' ? berlin.get('0') : bzr.get(unit);
      if (!got) {
        t.fail(`${c.indicator} ${c.edition} ${unit}: no value`);
        continue;
      }
      checked += close(got.value, x.value, 1e-9) && close(got.denominator, x.den) && got.status === 'estimated' ? 1 : 0;
      if (!close(got.value, x.value, 1e-9)) t.fail(`${c.indicator} ${c.edition} ${unit}: ${got.value} vs ${x.value}`);
    }
    t.equal(checked, expected.size, `${c.indicator} ${c.edition}: ${expected.size - 1} Bezirksregionen and Berlin weighted by the age band`);
    t.equal(berlin.get('0')?.provenance.weights?.fallback, false, 'the declared base was used');
  }
});

t.test('before 2015 (no residents by age) the means are weighted by all residents, and the provenance says so', async (t) => {
  const file = mssFile(2013);
  const inhabitants = new Map(file.map((r) => [r.id as string, Number(r.inhabitants)]));
  const expected = weightedMeans(file, 's4_percentage_transfer_payments_recipients_below_15_years', (id) => inhabitants.get(id));
  const bzr = await values('kinder_sgb2', '2006', 'bezirksregion', '2012-12-31');
  const sample = [...expected.keys()].filter((k) => k !== '0').slice(0, 12);
  for (const unit of sample) {
    const got = bzr.get(unit);
    t.ok(close(got?.value, expected.get(unit)?.value), `${unit}: ${got?.value} ≈ ${expected.get(unit)?.value}`);
    t.same(got?.provenance.weights, { variable: 'einwohner', breakdown: {}, fallback: true });
  }
  const plr = await values('kinder_sgb2', '2006', 'planungsraum', '2012-12-31');
  t.equal(plr.get(file[0]?.id as string)?.denominator, inhabitants.get(file[0]?.id as string), 'the Planungsraum carries its weight as denominator');
});

t.test('the MSS residents equal the EWR where both exist (31.12.2016, 31.12.2018)', async (t) => {
  for (const [edition, year] of [
    [2017, 2016],
    [2019, 2018],
  ] as const) {
    const ewr = ewrPlr(year);
    const file = mssFile(edition);
    const differ = file.filter((r) => ewr.get(r.id as string)?.inhabitants !== Number(r.inhabitants));
    t.equal(differ.length, 0, `MSS ${edition}: ${file.length} Planungsräume, inhabitants = EWR 31.12.${year}`);
    const res = await app.inject({ url: `/v1/variables/einwohner/observations?lorVersion=2006&date=${year}-12-31&level=planungsraum&breakdown=total` });
    const stored = new Map((res.json().observations as Array<{ unit: string; value: number }>).map((o) => [o.unit, o.value]));
    t.equal(file.filter((r) => stored.get(r.id as string) !== Number(r.inhabitants)).length, 0, `stored einwohner 31.12.${year} = MSS ${edition} inhabitants`);
  }
  for (const [edition, date] of [
    [2013, '2012-12-31'],
    [2015, '2014-12-31'],
  ] as const) {
    const res = await app.inject({ url: `/v1/variables/einwohner/observations?lorVersion=2006&date=${date}&level=planungsraum&breakdown=total` });
    const stored = new Map((res.json().observations as Array<{ unit: string; value: number }>).map((o) => [o.unit, o.value]));
    const file = mssFile(edition);
    t.equal(file.filter((r) => stored.get(r.id as string) === Number(r.inhabitants)).length, file.length, `einwohner ${date} from the MSS ${edition} file`);
  }
});

t.test('rates: a share outside 0–100 is a row error, a change in Prozentpunkte may be negative', async (t) => {
  const key = await issueKey(db, ['ingest:write'], 'sensbw');
  const push = (variable: string, value: number) =>
    app.inject({
      method: 'POST',
      url: `/v1/variables/${variable}/observations?lorVersion=2021&dryRun=true`,
      headers: { ...key.auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ observations: [{ unit: '01100101', date: '2022-12-31', value: 12.5 }, { unit: '01100102', date: '2022-12-31', value }] }),
    });
  const bad = await push('mss_s4', 120);
  t.equal(bad.statusCode, 422, bad.body);
  t.match(bad.headers['content-type'], /application\/problem\+json/);
  t.match(bad.json().errors, [{ row: 2, field: 'value', code: 'rate-out-of-range' }]);
  const negative = await push('mss_d4', -3.25);
  t.equal(negative.statusCode, 200, negative.body);
  t.match(negative.json(), { status: 'accepted', dryRun: true, totalErrors: 0 });
  const negativeShare = await push('mss_s4', -0.5);
  t.match(negativeShare.json().errors, [{ row: 2, field: 'value', code: 'rate-out-of-range' }]);
});

t.test('a rate variable needs its base, is not summed, and names valid codes; errors name the field', async (t) => {
  const admin = await issueKey(db, ['metadata:write'], 'sensbw');
  const create = (body: Record<string, unknown>) =>
    app.inject({
      method: 'POST',
      url: '/v1/variables',
      headers: { ...admin.auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ labelDe: 'Quote', labelEn: 'Rate', unit: '%', finestLevel: 'planungsraum', agencyId: 'sensbw', ...body }),
    });
  const pointers = (res: { json: () => { invalidParams?: Array<{ pointer: string }> } }) => res.json().invalidParams?.map((p) => p.pointer);
  const noBase = await create({ id: 't_rate_a', valueKind: 'rate', aggregation: 'none' });
  t.equal(noBase.statusCode, 422);
  t.match(noBase.headers['content-type'], /application\/problem\+json/);
  t.same(pointers(noBase), ['/body/rateBase']);
  const summed = await create({ id: 't_rate_b', valueKind: 'rate', aggregation: 'sum', rateBase: 'einwohner' });
  t.same(pointers(summed), ['/body/aggregation']);
  const badCode = await create({ id: 't_rate_c', valueKind: 'rate', aggregation: 'none', rateBase: { variable: 'einwohner', breakdown: { age: ['unter7'] } } });
  t.same(pointers(badCode), ['/body/rateBase/breakdown/age']);
  const onCount = await create({ id: 't_rate_d', valueKind: 'count', aggregation: 'sum', rateBase: 'einwohner' });
  t.same(pointers(onCount), ['/body/rateBase']);
  const good = await create({ id: 't_rate_e', valueKind: 'rate', aggregation: 'none', rateBase: { variable: 'einwohner', breakdown: { age: 'unter6' } } });
  t.equal(good.statusCode, 201, good.body);
  t.same(good.json().rateBase, { variable: 'einwohner', breakdown: { age: 'unter6' } });
  const meta = await issueKey(db, ['metadata:write'], null);
  const indicator = await app.inject({
    method: 'POST',
    url: '/v1/indicators',
    headers: { ...meta.auth, 'content-type': 'application/json' },
    payload: JSON.stringify({ id: 't_rate_ind', zielbereich: 'Armut', labelDe: 'x', labelEn: 'x', polarity: 'risk', formula: { kind: 'rate', rate: 'einwohner' } }),
  });
  t.equal(indicator.statusCode, 422, indicator.body);
  t.same(pointers(indicator), ['/body/formula/rate']);
});
