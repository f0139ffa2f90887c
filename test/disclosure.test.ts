// Disclosure control on every read path: a fixture whose small counts force complementary gaps one level up and in the
// breakdown; every relation the pool publishes is enumerated here (independently of @datenpool/disclosure) and no
// withheld value is the single unknown of one, on observations (JSON, CSV, as-of, history), the SDMX variable flow,
// indicator values, the OGC indicator layer and the profile; a key with read:restricted sees every value.
import t from 'tap';

/** what a test callback is given (the root test's type) */
type Assert = Pick<typeof t, 'same' | 'ok' | 'equal'>;
import { addKey } from '../services/ingest/test/fixtures.ts';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { indicatorsCaughtUp } from './support/indicators.ts';

const VARIABLE = 'dx_count';
const INDICATOR = 'dx_share';
const THRESHOLD = 5;
const DATE = '2024-12-31';
const AGES = ['a', 'b', 'c'];
const SEXES = ['m', 'w'];
const levels = ['berlin', 'bezirk', 'prognoseraum', 'bezirksregion', 'planungsraum'] as const;
const idLength: Record<string, number> = { berlin: 1, bezirk: 2, prognoseraum: 4, bezirksregion: 6, planungsraum: 8 };

/** canonical breakdowns of the fixture: the total, one dimension, both */
const breakdowns = [
  '',
  ...AGES.map((a) => `age=${a}`),
  ...SEXES.map((s) => `sex=${s}`),
  ...AGES.flatMap((a) => SEXES.map((s) => `age=${a};sex=${s}`)),
];

type Cell = { value: number | null; status: string; suppression: string | null };
type View = Map<string, Cell>;
const key = (unit: string, breakdown: string) => `${unit}|${breakdown}`;

/** deterministic pseudo-random numbers (mulberry32) */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const { app, database } = await testGateway(t);
const { db } = database;
const admin = await addKey(db, null, ['admin']);
const restricted = await addKey(db, null, ['read:restricted']);
const asAdmin = { authorization: `Bearer ${admin}` };
const asRestricted = { authorization: `Bearer ${restricted}` };

// two Bezirksregionen of one Prognoseraum of LOR 2021, with all their Planungsräume
const plr = await db.selectFrom('lor_unit').select(['id']).where('version', '=', '2021').where('level', '=', 'planungsraum').orderBy('id').execute();
const byBzr = new Map<string, string[]>();
for (const { id } of plr) byBzr.set(id.slice(0, 6), [...(byBzr.get(id.slice(0, 6)) ?? []), id]);
const pgr = [...new Set([...byBzr.keys()].map((b) => b.slice(0, 4)))].find(
  (p) => [...byBzr.entries()].filter(([b, units]) => b.startsWith(p) && units.length >= 2 && units.length <= 6).length >= 2,
)!;
const [bzr0, bzr1] = [...byBzr.entries()].filter(([b, units]) => b.startsWith(pgr) && units.length >= 2 && units.length <= 6).map(([b]) => b);
const units = [...byBzr.get(bzr0!)!, ...byBzr.get(bzr1!)!];
const [p0, p1] = byBzr.get(bzr0!)!;
const q0 = byBzr.get(bzr1!)![0]!;

/** the delivered combination cells (age × sex) of a state; the marginals and the total are their sums */
function combos(seed: number, small: Record<string, number>): Map<string, number> {
  const rnd = random(seed);
  const out = new Map<string, number>();
  for (const u of units) for (const a of AGES) for (const s of SEXES) out.set(key(u, `age=${a};sex=${s}`), 6 + Math.floor(rnd() * 40));
  for (const [k, v] of Object.entries(small)) out.set(k, v);
  return out;
}

/** every delivered cell (Planungsraum level) from the combinations */
function delivered(c: Map<string, number>): Map<string, number> {
  const out = new Map(c);
  for (const u of units) {
    const at = (a: string, s: string) => c.get(key(u, `age=${a};sex=${s}`))!;
    for (const a of AGES) out.set(key(u, `age=${a}`), SEXES.reduce((n, s) => n + at(a, s), 0));
    for (const s of SEXES) out.set(key(u, `sex=${s}`), AGES.reduce((n, a) => n + at(a, s), 0));
    out.set(key(u, ''), AGES.reduce((n, a) => n + SEXES.reduce((m, s) => m + at(a, s), 0), 0));
  }
  return out;
}

/** the published cells of every level: the delivered ones and their sums by id prefix (hand-computed here) */
function allLevels(d: Map<string, number>): Map<string, number> {
  const out = new Map(d);
  for (const u of units) {
    for (const level of levels.slice(0, 4)) {
      const parent = level === 'berlin' ? '0' : u.slice(0, idLength[level]);
      for (const b of breakdowns) out.set(key(parent, b), (out.get(key(parent, b)) ?? 0) + d.get(key(u, b))!);
    }
  }
  return out;
}

/** the true cells of a state: random combinations with the given small ones, their marginals, totals and sums */
function truthOf(small: Record<string, number>): Map<string, number> {
  return allLevels(delivered(combos(15, small)));
}

const deliveredOf = (truth: Map<string, number>) => new Map([...truth].filter(([k]) => k.split('|')[0]!.length === 8));

/** every linear relation the pool publishes among the fixture's cells, as lists of cell keys */
function relations(cells: Map<string, number>): string[][] {
  const out: string[][] = [];
  const unitIds = [...new Set([...cells.keys()].map((k) => k.split('|')[0]!))];
  // hierarchy: a unit = Σ its children of the next level, per breakdown
  for (let i = 0; i < levels.length - 1; i++) {
    const parents = unitIds.filter((u) => u.length === idLength[levels[i]!]);
    for (const p of parents) {
      const children = unitIds.filter((u) => u.length === idLength[levels[i + 1]!] && (p === '0' || u.startsWith(p)));
      for (const b of breakdowns) out.push([key(p, b), ...children.map((c) => key(c, b))]);
    }
  }
  // breakdowns: total = Σ ages, total = Σ sexes, an age = Σ its sexes, a sex = Σ its ages, per unit
  for (const u of unitIds) {
    out.push([key(u, ''), ...AGES.map((a) => key(u, `age=${a}`))]);
    out.push([key(u, ''), ...SEXES.map((s) => key(u, `sex=${s}`))]);
    for (const a of AGES) out.push([key(u, `age=${a}`), ...SEXES.map((s) => key(u, `age=${a};sex=${s}`))]);
    for (const s of SEXES) out.push([key(u, `sex=${s}`), ...AGES.map((a) => key(u, `age=${a};sex=${s}`))]);
  }
  return out;
}

/** the relations hold on the true values (the enumeration is right), and none has exactly one withheld cell */
function checkView(t: Assert, view: View, truth: Map<string, number>, what: string): { primary: string[]; secondary: string[] } {
  const rel = relations(truth);
  const broken = rel.filter(([lhs, ...rhs]) => Math.abs(truth.get(lhs!)! - rhs.reduce((n, k) => n + truth.get(k)!, 0)) > 1e-9);
  t.same(broken, [], `${what}: the ${rel.length} enumerated relations hold on the true values`);
  t.same([...view.keys()].sort(), [...truth.keys()].sort(), `${what}: every cell of every level is answered`);
  const withheld = (k: string) => view.get(k)?.value === null;
  const single = rel.filter((r) => r.filter(withheld).length === 1);
  t.same(single, [], `${what}: no relation has a single withheld cell`);
  const wrong = [...view].filter(([k, c]) => c.value !== null && c.value !== truth.get(k));
  t.same(wrong, [], `${what}: published values are the true ones`);
  const primary = [...truth].filter(([, v]) => v > 0 && v < THRESHOLD).map(([k]) => k);
  t.same(primary.filter((k) => view.get(k)?.suppression !== 'disclosure' || view.get(k)?.status !== 'suppressed'), [], `${what}: every count 0 < v < ${THRESHOLD} is withheld as disclosure`);
  const secondary = [...view].filter(([, c]) => c.value === null).map(([k]) => k).filter((k) => !primary.includes(k));
  t.same(secondary.filter((k) => view.get(k)?.suppression !== 'secondary'), [], `${what}: every other withheld cell is secondary`);
  return { primary, secondary };
}

async function observations(query: string, headers: Record<string, string> = {}): Promise<View> {
  const view: View = new Map();
  for (const level of levels) {
    const res = await app.inject({ url: `/v1/variables/${VARIABLE}/observations?lorVersion=2021&level=${level}&date=${DATE}&${query}`, headers });
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
    for (const o of res.json().observations) {
      const b = Object.keys(o.breakdown).sort().map((d) => `${d}=${o.breakdown[d]}`).join(';');
      view.set(key(o.unit, b), { value: o.value, status: o.status, suppression: o.suppression });
    }
  }
  return view;
}

async function observationsCsv(headers: Record<string, string> = {}): Promise<View> {
  const view: View = new Map();
  for (const level of levels) {
    const res = await app.inject({ url: `/v1/variables/${VARIABLE}/observations?lorVersion=2021&level=${level}&date=${DATE}&f=csv`, headers });
    const [header, ...lines] = res.body.trim().split(/\r\n/);
    const at = (name: string) => header!.split(',').indexOf(name);
    for (const line of lines) {
      // no field of the fixture holds a comma: a quoted one (a breakdown with ;) only loses its quotes
      const c = line.split(',').map((f) => f.replace(/^"(.*)"$/, '$1'));
      view.set(key(c[at('unit')]!, c[at('breakdown')]!), {
        value: c[at('value')] === '' ? null : Number(c[at('value')]),
        status: c[at('status')]!,
        suppression: c[at('suppression')] || null,
      });
    }
  }
  return view;
}

async function push(values: Map<string, number>) {
  const body = {
    observations: [...values].map(([k, value]) => {
      const [unit, b] = k.split('|') as [string, string];
      return { unit, date: DATE, value, breakdown: Object.fromEntries(b ? b.split(';').map((p) => p.split('=')) : []) };
    }),
  };
  const res = await app.inject({ method: 'POST', url: `/v1/variables/${VARIABLE}/observations?lorVersion=2021`, headers: asAdmin, payload: body });
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`);
}

// the fixture: a count variable with a threshold and two breakdown dimensions, and a share indicator reading it
await db.insertInto('agency').values({ id: 'dx-agency', name: 'Disclosure test agency', kind: 'other' }).execute();
await db
  .insertInto('variable')
  .values({
    id: VARIABLE, label_de: 'Testzählung', label_en: 'test count', unit: 'persons', value_kind: 'count', aggregation: 'sum',
    finest_level: 'planungsraum', reference_date: '12-31', breakdowns: JSON.stringify({ age: AGES, sex: SEXES }),
    disclosure_threshold: THRESHOLD, agency_id: 'dx-agency', status: 'active',
  })
  .execute();
await db
  .insertInto('indicator')
  .values({
    id: INDICATOR, zielbereich: 'Demografie', label_de: 'Anteil a', label_en: 'share of a', polarity: 'neutral', core: true, min_base: 0,
    formula: JSON.stringify({ kind: 'share', numerator: { variable: VARIABLE, breakdown: { age: 'a' } }, denominator: VARIABLE, factor: 100 }),
  })
  .execute();

// state 1: two small cells in one Bezirksregion (its other Planungsräume 0) make its own cell small, so it is withheld
// one level up too; one small cell in the other Bezirksregion
const rest0 = Object.fromEntries(byBzr.get(bzr0!)!.slice(2).map((u) => [key(u, 'age=a;sex=w'), 0]));
const truth1 = truthOf({ ...rest0, [key(p0!, 'age=a;sex=w')]: 1, [key(p1!, 'age=a;sex=w')]: 2, [key(q0, 'age=b;sex=m')]: 3 });
await push(deliveredOf(truth1));
const afterFirst = new Date();
await new Promise((resolve) => setTimeout(resolve, 20));
const view1 = await observations('');

t.test('state 1: primary gaps force complementary ones in the breakdown and one level up, and no relation has a single unknown', async (t) => {
  const { primary, secondary } = checkView(t, view1, truth1, 'JSON');
  t.ok(primary.includes(key(bzr0!, 'age=a;sex=w')), 'the Bezirksregion sum of the small cells is itself below the threshold');
  t.ok(secondary.some((k) => k.split('|')[0]!.length <= 6), `complementary cells at Bezirksregion level or coarser: ${secondary.filter((k) => k.split('|')[0]!.length <= 6).join(', ')}`);
  t.ok(secondary.some((k) => k.startsWith(`${p0}|`) && k !== key(p0!, 'age=a;sex=w')), 'a complementary cell in the breakdown of the same Planungsraum');
});

t.test('CSV answers the same cells as JSON', async (t) => {
  const csv = await observationsCsv();
  t.same([...csv].sort(), [...view1].sort());
});

t.test('a key with read:restricted sees every value', async (t) => {
  const all = await observations('', asRestricted);
  t.same([...all].filter(([k, c]) => c.value !== truth1.get(k) || c.suppression !== null), [], 'every cell with its true value');
});

// state 2: a correction lifts one small cell and makes another one small
const truth2 = truthOf({ ...rest0, [key(p0!, 'age=a;sex=w')]: 30, [key(p1!, 'age=a;sex=w')]: 2, [key(q0, 'age=b;sex=m')]: 3, [key(q0, 'age=c;sex=w')]: 4 });
let view2: View = new Map();

t.test('state 2 after a correction: the rule holds on the new values; as-of the first batch answers state 1', async (t) => {
  await push(deliveredOf(truth2));
  await indicatorsCaughtUp(database);
  view2 = await observations('');
  checkView(t, view2, truth2, 'current');
  const past = await observations(`asOf=${afterFirst.toISOString()}`);
  checkView(t, past, truth1, 'asOf');
  t.same([...past].sort(), [...view1].sort(), 'the same cells withheld as were withheld then');
});

t.test('history shows no value that the current or the as-of answer withholds', async (t) => {
  let shown = 0;
  for (const u of units) {
    for (const b of breakdowns) {
      const res = await app.inject({ url: `/v1/variables/${VARIABLE}/observations/history?lorVersion=2021&unit=${u}&date=${DATE}&breakdown=${encodeURIComponent(b || 'total')}` });
      t.equal(res.statusCode, 200);
      const revisions = res.json().revisions as Array<{ value: number | null; validTo: string | null; suppression: string | null }>;
      const current = revisions.at(-1)!;
      if (current.value !== null) {
        shown++;
        if (view2.get(key(u, b))?.value === null) t.fail(`history shows ${key(u, b)}, which the current answer withholds`);
      }
      for (const r of revisions.slice(0, -1)) {
        if (r.value !== null && view1.get(key(u, b))?.value === null) t.fail(`history shows a past revision of ${key(u, b)} withheld as of then`);
      }
    }
  }
  t.ok(shown > 0, `${shown} current revisions shown`);
});

t.test('the SDMX variable flow withholds the same cells, with OBS_STATUS Q and CONF_STATUS', async (t) => {
  const res = await app.inject({ url: `/sdmx/2.1/data/DF_VAR_${VARIABLE.toUpperCase()}/all?startPeriod=2024&endPeriod=2024` });
  t.equal(res.statusCode, 200, 'the flow answers');
  const [header, ...lines] = res.body.trim().split(/\r?\n/);
  const cols = header!.split(',');
  const at = (name: string) => cols.indexOf(name);
  const seen = new Map<string, { value: number | null; status: string; conf: string }>();
  for (const line of lines) {
    const c = line.split(',');
    const code = c[at('BREAKDOWN')]!;
    const b = code === '_T' ? '' : code.split('__').map((p) => p.replace('_', '=')).sort().join(';');
    seen.set(key(c[at('REF_AREA')]!, b), { value: c[at('OBS_VALUE')] === '' ? null : Number(c[at('OBS_VALUE')]), status: c[at('OBS_STATUS')]!, conf: c[at('CONF_STATUS')] ?? '' });
  }
  const delivered2 = [...view2].filter(([k]) => k.split('|')[0]!.length === 8);
  t.equal(seen.size, delivered2.length, 'every delivered cell');
  t.same(delivered2.filter(([k, c]) => seen.get(k)?.value !== c.value), [], 'the values and gaps of the observation API');
  t.ok([...seen.values()].filter((c) => c.value === null).every((c) => c.status === 'Q' && (c.conf === 'C' || c.conf === 'D')), 'withheld: Q with C or D');
});

/** the indicator's values of a level (each breakdown the indicator has) */
async function indicatorValues(t: Assert, level: string) {
  const out: Array<{ unit: string; breakdown: string; value: number | null; numerator: number | null; denominator: number | null; status: string }> = [];
  for (const b of ['', 'sex=m', 'sex=w']) {
    const res = await app.inject({ url: `/v1/indicators/${INDICATOR}/values?version=2021&level=${level}&date=${DATE}&breakdown=${encodeURIComponent(b)}` });
    t.equal(res.statusCode, 200, `values of ${level} ${b || 'total'}`);
    for (const v of res.json().values) out.push({ ...v, breakdown: b });
  }
  return out;
}

t.test('indicator values show no numerator or base that the observations withhold, on every level', async (t) => {
  let published = 0;
  let inputWithheld = 0;
  for (const level of levels) {
    for (const v of await indicatorValues(t, level)) {
      const num = view2.get(key(v.unit, v.breakdown ? `age=a;${v.breakdown}` : 'age=a'));
      const den = view2.get(key(v.unit, v.breakdown));
      if (num === undefined || den === undefined) continue;
      if (num.value === null || den.value === null) {
        inputWithheld++;
        t.equal(v.status, 'suppressed', `${level} ${v.unit} ${v.breakdown || 'total'}: an input withheld withholds the value`);
        t.equal(v.numerator, null);
        t.equal(v.denominator, null);
      }
      if (v.value === null) continue;
      published++;
      t.ok(num.value !== null && den.value !== null, `${level} ${v.unit} ${v.breakdown || 'total'}: published only where its inputs are`);
      t.equal(v.numerator, num.value);
      t.equal(v.denominator, den.value);
    }
  }
  t.ok(published > 0, `${published} indicator values published`);
  t.ok(inputWithheld > 0, `${inputWithheld} indicator values read a withheld cell`);
});

t.test('the OGC indicator layer and the profile show the indicator values as the values API does', async (t) => {
  const values = new Map((await indicatorValues(t, 'planungsraum')).filter((v) => v.breakdown === '').map((v) => [v.unit, v.value]));
  const res = await app.inject({ url: `/collections/indicator-${INDICATOR}/items?f=json&limit=1000&datetime=${DATE}` });
  t.equal(res.statusCode, 200, 'the layer answers');
  const features = (res.json().features as Array<{ properties: { level: string; value: number | null; status: string }; id: string }>).filter(
    (f) => f.properties.level === 'planungsraum' && values.has(String(f.id).split('_')[0]!),
  );
  t.ok(features.length > 0, `${features.length} features of the fixture`);
  t.same(features.filter((f) => f.properties.value !== values.get(String(f.id).split('_')[0]!)), [], 'same values and gaps');
  const profile = await app.inject({ url: `/v1/units/${bzr0}/profile?version=2021&date=${DATE}` });
  t.equal(profile.statusCode, 200, 'the profile answers');
  const entries = (profile.json().zielbereiche as Array<{ indicators: Array<{ indicator: string; value: { value: number | null; status: string } | null }> }>)
    .flatMap((z) => z.indicators).filter((i) => i.indicator === INDICATOR);
  const bzrValue = (await indicatorValues(t, 'bezirksregion')).find((v) => v.unit === bzr0 && v.breakdown === '');
  t.equal(entries.length, 1, 'the indicator is in the profile');
  t.equal(entries[0]?.value?.value ?? null, bzrValue?.value ?? null, 'with the value (or the gap) of the values API');
  t.equal(entries[0]?.value?.status, bzrValue?.status);
  // and a unit whose value is withheld
  const gap = (await indicatorValues(t, 'planungsraum')).find((v) => v.breakdown === '' && v.status === 'suppressed');
  t.ok(gap, 'a Planungsraum of the fixture has its value withheld');
  const gapProfile = await app.inject({ url: `/v1/units/${gap?.unit}/profile?version=2021&date=${DATE}` });
  const gapEntry = (gapProfile.json().zielbereiche as Array<{ indicators: Array<{ indicator: string; value: { value: number | null; status: string } | null }> }>)
    .flatMap((z) => z.indicators).find((i) => i.indicator === INDICATOR);
  t.equal(gapEntry?.value?.value ?? null, null, 'no value in the profile');
  t.notMatch(JSON.stringify(gapEntry), /"numerator":\d|"denominator":\d/, 'nor its numerator or base');
  const xlsx = await app.inject({ url: `/v1/units/${gap?.unit}/profile?version=2021&date=${DATE}&f=xlsx` });
  t.equal(xlsx.statusCode, 200, 'the profile as xlsx');
});

t.test('the SDMX indicator flow has the values and gaps of the indicator values API', async (t) => {
  const res = await app.inject({ url: `/sdmx/2.1/data/DF_INDICATORS_2021/${INDICATOR}.._T?startPeriod=2024&endPeriod=2024&format=csv` });
  t.equal(res.statusCode, 200, 'the flow answers');
  const [header, ...lines] = res.body.trim().split(/\r?\n/);
  const cols = header!.split(',');
  const at = (name: string) => cols.indexOf(name);
  const sdmx = new Map(lines.map((l) => l.split(',')).map((c) => [c[at('REF_AREA')]!, c[at('OBS_VALUE')] === '' ? null : Number(c[at('OBS_VALUE')])]));
  let compared = 0;
  let gaps = 0;
  for (const level of levels) {
    for (const v of (await indicatorValues(t, level)).filter((x) => x.breakdown === '')) {
      if (!sdmx.has(v.unit)) continue;
      compared++;
      if (v.value === null) gaps++;
      const got = sdmx.get(v.unit)!;
      if (v.value === null ? got !== null : got === null || Math.abs(got - v.value) > 1e-6) t.fail(`${v.unit}: SDMX ${got}, API ${v.value}`);
    }
  }
  t.ok(compared > 0 && gaps > 0, `${compared} values compared, ${gaps} of them gaps`);
});

t.test('a key with read:restricted sees every revision value in the history', async (t) => {
  const res = await app.inject({
    url: `/v1/variables/${VARIABLE}/observations/history?lorVersion=2021&unit=${p1}&date=${DATE}&breakdown=${encodeURIComponent('age=a;sex=w')}`, headers: asRestricted,
  });
  t.match(res.json().revisions, [{ value: 2, suppression: null }]);
  const anonymous = await app.inject({ url: `/v1/variables/${VARIABLE}/observations/history?lorVersion=2021&unit=${p1}&date=${DATE}&breakdown=${encodeURIComponent('age=a;sex=w')}` });
  t.match(anonymous.json().revisions, [{ value: null, status: 'suppressed', suppression: 'disclosure' }]);
});

t.test('the view observation_published answers the delivered cells as the API does', async (t) => {
  const rows = await db.selectFrom('observation_published').select(['unit_id', 'breakdown', 'value', 'status', 'suppression'])
    .where('variable_id', '=', VARIABLE).where('lor_version', '=', '2021').execute();
  t.equal(rows.length, units.length * breakdowns.length);
  t.same(rows.filter((r) => {
    const api = view2.get(key(r.unit_id, r.breakdown));
    return api?.value !== r.value || api?.status !== r.status || api?.suppression !== r.suppression;
  }), []);
});

t.test('fail-closed: observations written outside a landing are withheld as pending until evaluated', async (t) => {
  const batch = await db.selectFrom('ingest_batch').select('id').where('variable_id', '=', VARIABLE).executeTakeFirstOrThrow();
  await db.insertInto('observation').values({
    variable_id: VARIABLE, lor_version: '2021', level: 'planungsraum', unit_id: p0!, ref_date: '2023-12-31', breakdown: '', value: 100, batch_id: batch.id,
  }).execute();
  const read = () => app.inject({ url: `/v1/variables/${VARIABLE}/observations?lorVersion=2021&unit=${p0}&date=2023-12-31` });
  t.match((await read()).json().observations, [{ value: null, status: 'suppressed', suppression: 'pending' }]);
  const restrictedRead = await app.inject({ url: `/v1/variables/${VARIABLE}/observations?lorVersion=2021&unit=${p0}&date=2023-12-31`, headers: asRestricted });
  t.match(restrictedRead.json().observations, [{ value: 100, suppression: null }], 'a reader of restricted data sees it');
  const { evaluatePending } = await import('../services/ingest/src/pipeline/disclosure.ts');
  // what the evaluations queue for the indicators: only the years whose withheld cells changed
  const queued = async () =>
    (await db.selectFrom('indicator_recompute_queue').select('ref_years').where('reason', '=', 'disclosure').where('variable_id', '=', VARIABLE).execute())
      .map((e) => e.ref_years);
  await db.deleteFrom('indicator_recompute_queue').where('reason', '=', 'disclosure').execute();
  const first = await evaluatePending(db);
  t.match(first, { groups: 1 });
  t.match((await read()).json().observations, [{ value: 100, status: 'final', suppression: null }]);
  t.same([...first.changed.keys()], [], 'an evaluation that withholds nothing new changes no year');
  t.same(await queued(), [], 'and queues no recompute');
  // a higher threshold makes every date of the variable pending, and the evaluation withholds by the new one
  await db.updateTable('variable').set({ disclosure_threshold: 200 }).where('id', '=', VARIABLE).execute();
  t.match((await read()).json().observations, [{ value: null, suppression: 'pending' }]);
  const second = await evaluatePending(db);
  t.match((await read()).json().observations, [{ value: null, suppression: 'disclosure' }], '100 < 200');
  t.ok(second.changed.get(VARIABLE)?.get('2021')?.includes(2023), 'the year whose cells are now withheld changed');
  t.ok((await queued()).some((years) => years?.includes(2023)), 'and its indicators are queued');
});

t.test('a listening server evaluates a threshold changed through the API, and the indicators follow', async (t) => {
  const base = await serveOnLoopback(app);
  const patch = await fetch(`${base}/v1/variables/${VARIABLE}`, {
    method: 'PATCH', headers: { ...asAdmin, 'content-type': 'application/json' }, body: JSON.stringify({ disclosureThreshold: 1_000_000 }),
  });
  t.equal(patch.status, 200, await patch.clone().text());
  const read = async () => (await (await fetch(`${base}/v1/variables/${VARIABLE}/observations?lorVersion=2021&date=${DATE}&level=planungsraum`)).json()) as {
    observations: Cell[];
  };
  let cells = (await read()).observations;
  for (let i = 0; i < 150 && cells.some((c) => c.suppression === 'pending'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    cells = (await read()).observations;
  }
  t.ok(cells.length > 0);
  t.same(cells.filter((c) => c.suppression === 'pending'), [], 'nothing is left pending');
  // zeros are published (the rule withholds 0 < v < threshold); every other count is below the new threshold
  t.same(cells.filter((c) => c.value !== 0 && (c.suppression !== 'disclosure' || c.value !== null)), [], 'every count above 0 is withheld');
  await indicatorsCaughtUp(database);
  const open = await db.selectFrom('indicator_value').select(['unit_id', 'value']).where('indicator_id', '=', INDICATOR)
    .where('ref_date', '=', DATE).where('level', '=', 'planungsraum').where('status', '<>', 'suppressed').execute();
  t.same(open, [], 'the indicator reading the variable is withheld where its cells are');
});
