// Every formula kind, the roll-up to Bezirksregion, Prognoseraum, district and Berlin, suppression (incl. secondary),
// reference values, index classes and target distance, checked against values computed by hand from the fixture.
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import {
  applySecondary,
  byKey,
  changeValues,
  type Expected,
  indexValues,
  Sums,
  simpleValues,
  targetOf,
} from './expected.ts';
import { DISTRICT, indicators, loadFixture, smallCountUnit, tinyUnit, years } from './fixture.ts';

const { app, database } = await testGateway(t);
const fixture = await loadFixture(database);

const simple = simpleValues(new Sums(fixture.observations));
applySecondary(simple);
const expected: Expected[] = [
  ...simple,
  ...changeValues(simple, 'tx_sgb2_change', 'tx_sgb2_anteil', 1, false),
  ...changeValues(simple, 'tx_volumen_rel', 'tx_volumen', 2, true),
];
expected.push(
  ...indexValues(expected, [
    { indicator: 'tx_sgb2_anteil', weight: 1 },
    { indicator: 'tx_volumen', weight: 0.5 },
    { indicator: 'tx_kita', weight: -1 },
  ], 2, true),
);
const expectedByKey = byKey(expected);

interface ApiValue {
  indicator: string;
  level: string;
  unit: string;
  date: string;
  breakdown: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  status: string;
  suppression: string | null;
  berlin: number | null;
  district: number | null;
  rank: number | null;
  percentile: number | null;
  change1y: number | null;
  target: number | null;
  targetDistance: number | null;
  class: number | null;
  classLabel: string | null;
  dynamics: number | null;
  provenance: { batches: string[]; inputDates?: Record<string, string> };
}

async function values(indicator: string, year: number, extra = ''): Promise<ApiValue[]> {
  const res = await app.inject({ url: `/v1/indicators/${indicator}/values?date=${year}&breakdown=*${extra}` });
  if (res.statusCode !== 200) throw new Error(`${indicator} ${year}: ${res.statusCode} ${res.body}`);
  return res.json().values;
}

const api: ApiValue[] = [];
for (const { id } of indicators) for (const year of years) api.push(...(await values(id, year)));
const apiKey = (v: ApiValue) => `${v.indicator}|${v.level}|${v.unit}|${Number(v.date.slice(0, 4))}|${v.breakdown}`;
const apiByKey = new Map(api.map((v) => [apiKey(v), v]));
const close = (a: number | null | undefined, b: number | null | undefined) =>
  a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9);

t.test('every formula kind gives the hand-computed value at every level, unit, year and breakdown (1e-9)', async (t) => {
  for (const { id } of indicators) {
    const mine = expected.filter((e) => e.indicator === id);
    const theirs = api.filter((v) => v.indicator === id);
    t.equal(theirs.length, mine.length, `${id}: as many values as computed by hand`);
    const wrong = mine.filter((e) => {
      const v = apiByKey.get(`${e.indicator}|${e.level}|${e.unit}|${e.year}|${e.breakdown}`);
      if (!v) return true;
      if (e.suppressed) return v.status !== 'suppressed' || v.value !== null || v.numerator !== null;
      return v.status !== 'ok' || !close(v.value, e.value) || (e.numerator !== null && !close(v.numerator, e.numerator)) ||
        (e.denominator !== null && !close(v.denominator, e.denominator));
    });
    t.same(wrong.slice(0, 3), [], `${id}: no value differs`);
  }
});

t.test('roll-up sums numerators and denominators up to Bezirksregion, Prognoseraum, district and Berlin', async (t) => {
  const levels = new Set(api.filter((v) => v.indicator === 'tx_sgb2_quote').map((v) => v.level));
  t.same([...levels].sort(), ['berlin', 'bezirk', 'bezirksregion', 'planungsraum', 'prognoseraum']);
  const district = api.find((v) => v.indicator === 'tx_sgb2_quote' && v.level === 'bezirk' && v.date === '2022-12-31' && v.breakdown === '');
  const plr = api.filter((v) => v.indicator === 'tx_sgb2_quote' && v.level === 'planungsraum' && v.date === '2022-12-31' && v.breakdown === '');
  const sum = (variable: string, date: string) =>
    fixture.observations.filter((o) => o.variable === variable && o.date === date && o.breakdown === '').reduce((a, o) => a + o.value, 0);
  const num = sum('tx_sgb2', '2022-12-31');
  const den = sum('tx_ew', '2022-06-30');
  t.ok(district && close(district.value, (num / den) * 100), 'district share = sum of numerators / sum of denominators, not a mean of shares');
  t.match(district, { numerator: num, denominator: den });
  const mean = plr.reduce((a, v) => a + (v.value ?? 0), 0) / plr.length;
  t.not(Math.round((district?.value ?? 0) * 1e6), Math.round(mean * 1e6), 'differs from the mean of the shares');
});

t.test('inputs are matched by reference year: the latest date of each variable in the year, named in provenance', async (t) => {
  const kita = api.find((v) => v.indicator === 'tx_kita' && v.level === 'bezirk' && v.date === '2022-12-31');
  t.same(kita?.provenance.inputDates, { tx_ew: '2022-06-30' }, 'residents of 30 June matched with places of 31 December');
  const kita2021 = api.find((v) => v.indicator === 'tx_kita' && v.level === 'bezirk' && v.date === '2021-12-31');
  t.equal(kita2021?.provenance.inputDates, undefined, 'in 2021 the residents of 31 December are the latest');
  t.ok(kita2021?.provenance.batches.includes(fixture.batchOf.tx_plaetze as string));
});

t.test('suppression: minimum base, disclosure threshold and the secondary sibling', async (t) => {
  const tiny = apiByKey.get(`tx_sgb2_anteil|planungsraum|${tinyUnit(fixture.plr)}|2022|`);
  t.match(tiny, { status: 'suppressed', suppression: 'min_base', value: null, numerator: null, denominator: null });
  const small = apiByKey.get(`tx_sgb2_anteil|planungsraum|${smallCountUnit(fixture.plr)}|2022|`);
  t.match(small, { status: 'suppressed', suppression: 'disclosure', value: null });
  const secondary = api.filter((v) => v.suppression === 'secondary');
  t.ok(secondary.length >= 2, 'secondary suppressions happen');
  for (const s of secondary) {
    const parentLen = { planungsraum: 6, bezirksregion: 4, prognoseraum: 2, bezirk: 0 }[s.level] ?? 0;
    const siblings = api.filter((v) => v.indicator === s.indicator && v.level === s.level && v.date === s.date &&
      v.breakdown === s.breakdown && v.unit.slice(0, parentLen) === s.unit.slice(0, parentLen));
    t.ok(siblings.filter((v) => v.status === 'suppressed').length >= 2, `${s.indicator} ${s.unit}: no lone suppressed child`);
  }
  const secondaryOfTiny = api.find((v) => v.indicator === 'tx_sgb2_anteil' && v.date === '2022-12-31' && v.suppression === 'secondary' &&
    v.level === 'planungsraum' && v.unit.slice(0, 6) === tinyUnit(fixture.plr).slice(0, 6));
  const e = expectedByKey.get(`tx_sgb2_anteil|planungsraum|${secondaryOfTiny?.unit}|2022|`);
  t.equal(e?.suppression, 'secondary', 'the sibling with the smallest denominator is the one withheld');
});

t.test('reference values: Berlin, district, rank, percentile and change against the previous year', async (t) => {
  for (const year of [2021, 2022]) {
    const rows = api.filter((v) => v.indicator === 'tx_volumen' && v.level === 'planungsraum' && v.date === `${year}-12-31`);
    const berlin = expectedByKey.get(`tx_volumen|berlin|0|${year}|`)?.value;
    const district = expectedByKey.get(`tx_volumen|bezirk|${DISTRICT}|${year}|`)?.value;
    const ranked = rows.filter((r) => r.value !== null).sort((a, b) => (b.value as number) - (a.value as number));
    for (const r of rows) {
      const prev = expectedByKey.get(`tx_volumen|planungsraum|${r.unit}|${year - 1}|`);
      const e = expectedByKey.get(`tx_volumen|planungsraum|${r.unit}|${year}|`);
      const rank = r.value === null ? null : ranked.findIndex((x) => x.value === r.value) + 1;
      const below = r.value === null ? 0 : ranked.filter((x) => (x.value as number) < (r.value as number)).length;
      const ok = close(r.berlin, berlin) && close(r.district, district) && r.rank === rank &&
        close(r.percentile, r.value === null ? null : (below / (ranked.length - 1)) * 100) &&
        close(r.change1y, e?.value != null && prev?.value != null && !prev.suppressed && !e.suppressed ? e.value - prev.value : null);
      if (!ok) t.fail(`${r.unit} ${year}: ${JSON.stringify(r)}`);
    }
    t.pass(`${year}: every Planungsraum`);
  }
});

t.test('target indicators carry their target (district before Berlin) and the distance to it', async (t) => {
  const rows = api.filter((v) => v.indicator === 'tx_sgb2_anteil' && v.value !== null);
  let checked = 0;
  for (const r of rows) {
    const target = targetOf(r.indicator, r.unit, Number(r.date.slice(0, 4)), r.breakdown);
    if (!close(r.target, target) || !close(r.targetDistance, target === null ? null : (r.value as number) - target)) t.fail(JSON.stringify(r));
    checked++;
  }
  t.ok(checked > 100, `${checked} values checked`);
  t.match(apiByKey.get(`tx_sgb2_anteil|bezirk|${DISTRICT}|2022|`), { target: 12.5 });
  t.match(apiByKey.get('tx_sgb2_anteil|berlin|0|2022|'), { target: 10 });
  t.match(apiByKey.get(`tx_sgb2_anteil|bezirk|${DISTRICT}|2021|`), { target: 10 });
});

t.test('status index: classes of the summed z-scores by the thresholds, labels, dynamics over two years', async (t) => {
  const rows = api.filter((v) => v.indicator === 'tx_index');
  t.ok(rows.length > 100);
  const labels = ['hoch', 'mittel', 'niedrig', 'sehr niedrig'];
  for (const r of rows) {
    const e = expectedByKey.get(apiKey(r));
    if (!e || !close(r.value, e.value) || r.class !== e.class || r.classLabel !== labels[(e.class ?? 0) - 1] || !close(r.dynamics, e.dynamics ?? null)) {
      t.fail(`${apiKey(r)}: ${JSON.stringify({ api: r, hand: e })}`);
    }
  }
  t.same(new Set(rows.map((r) => r.class)).size, 4, 'all four classes occur');
  t.ok(rows.some((r) => r.dynamics !== null && r.date === '2022-12-31'), 'dynamics where the member values of two years earlier exist');
  t.ok(rows.every((r) => r.dynamics === null || Number(r.date.slice(0, 4)) >= 2021));
});

t.test('unknown indicator is a 404 problem; a bad level a 400 naming it', async (t) => {
  const res = await app.inject({ url: '/v1/indicators/nope/values' });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /problem\+json/);
  const bad = await app.inject({ url: '/v1/indicators/tx_kita/values?level=kiez' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /level/);
});
