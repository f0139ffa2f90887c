// The MSS status/dynamics index from the bundled MSS 2013–2021 inputs: every rated Planungsraum's published status and
// dynamics class reproduced per edition (2013–2017 with S2/D2, 2019–2021 without), the combined label as published,
// and units under 300 residents left out of the standardisation and withheld with that reason.
import t from 'tap';
import type { IndicatorValue } from '../src/queries/values.ts';
import { testGateway } from '../../../test/support/app.ts';
import { issueKey } from '../../metadata/test/fixtures/keys.ts';
import { editions, indexTable2021, mssFile } from './mss-support.ts';
import { indicatorsCaughtUp } from '../../../test/support/indicators.ts';

const { app, database } = await testGateway(t, process.env.MSS_DEBUG ? { LOG_LEVEL: 'error' } : {});

/** what these tests read of an index value */
type IndexValue = Pick<
  IndicatorValue,
  'unit' | 'level' | 'date' | 'value' | 'status' | 'suppression' | 'class' | 'classLabel' | 'dynamics' | 'dynamicsClass' | 'dynamicsLabel' | 'combinedLabel'
>;

async function indexValues(version: string, date: string): Promise<Map<string, IndexValue>> {
  const res = await app.inject({ url: `/v1/indicators/status_dynamik_index/values?version=${version}&level=planungsraum&date=${date}` });
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`);
  return new Map((res.json().values as IndexValue[]).filter((v) => v.date === date).map((v) => [v.unit, v]));
}

/** the published classes of an edition: the open-lifeworlds columns, for 2021 table 3 of the MSS (536 rated units) */
function published(edition: number): Map<string, { status: string; dynamics: string; combined: string | null }> {
  if (edition === 2021) {
    const statusColumn = 'Zuordnung Klasse Status-Index ';
    const dynamicsColumn = 'Zuordnung Klasse Dynamik-Index ';
    const combined = new Map(mssFile(2021).map((r) => [r.id as string, r.status_dynamic_index_class]));
    return new Map(
      indexTable2021()
        .filter((r) => (r[statusColumn] ?? '').trim() !== '')
        .map((r) => [
          r['PLR-ID'] as string,
          { status: (r[statusColumn] as string).trim(), dynamics: (r[dynamicsColumn] as string).trim(), combined: combined.get(r["PLR-ID"] as string) ?? null },
        ]),
    );
  }
  return new Map(
    mssFile(edition)
      .filter((r) => r.status_index_class !== null)
      .map((r) => [r.id as string, { status: r.status_index_class as string, dynamics: r.dynamic_index_class as string, combined: r.status_dynamic_index_class ?? null }]),
  );
}

const counts: Record<number, string> = {};

t.test('every rated Planungsraum of every edition gets its published status and dynamics class', async (t) => {
  for (const e of editions) {
    const expected = published(e.edition);
    const got = await indexValues(e.version, e.date);
    let status = 0;
    let dynamics = 0;
    const wrong: string[] = [];
    for (const [unit, p] of expected) {
      const v = got.get(unit);
      if (v?.classLabel === p.status) status++;
      if (v?.dynamicsLabel === p.dynamics) dynamics++;
      if (v?.classLabel !== p.status || v?.dynamicsLabel !== p.dynamics) {
        wrong.push(`${unit} published ${p.status}/${p.dynamics}, computed ${v?.classLabel}/${v?.dynamicsLabel} (${v?.value}, ${v?.dynamics})`);
      }
    }
    counts[e.edition] = `status ${status}/${expected.size}, dynamics ${dynamics}/${expected.size}`;
    t.equal(status, expected.size, `MSS ${e.edition}: status class of ${status} of ${expected.size} rated Planungsräume${wrong.length ? `; ${wrong.slice(0, 3).join('; ')}` : ''}`);
    t.equal(dynamics, expected.size, `MSS ${e.edition}: dynamics class of ${dynamics} of ${expected.size}`);
    const unrated = [...got.values()].filter((v) => v.class !== null && !expected.has(v.unit));
    t.same(
      unrated.map((v) => v.unit),
      [],
      `MSS ${e.edition}: no unit rated that the MSS did not rate`,
    );
  }
  t.comment(`reproduced: ${JSON.stringify(counts)}`);
});

t.test('the combined label reads as the MSS publishes it, and the class numbers follow the labels', async (t) => {
  const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+,/g, ',').trim();
  for (const e of editions) {
    const expected = published(e.edition);
    const got = await indexValues(e.version, e.date);
    const withCombined = [...expected].filter(([, p]) => p.combined !== null);
    const same = withCombined.filter(([unit, p]) => norm(got.get(unit)?.combinedLabel) === norm(p.combined)).length;
    t.equal(same, withCombined.length, `MSS ${e.edition}: ${same} of ${withCombined.length} combined labels ("${withCombined[0]?.[1].combined}")`);
    const byLabel = new Map<string, Set<number>>();
    for (const v of got.values()) {
      if (v.dynamicsLabel) byLabel.set(`d:${v.dynamicsLabel}`, (byLabel.get(`d:${v.dynamicsLabel}`) ?? new Set()).add(v.dynamicsClass as number));
      if (v.classLabel) byLabel.set(`s:${v.classLabel}`, (byLabel.get(`s:${v.classLabel}`) ?? new Set()).add(v.class as number));
    }
    t.same(
      Object.fromEntries([...byLabel].map(([k, s]) => [k, [...s]])),
      { 's:hoch': [1], 's:mittel': [2], 's:niedrig': [3], 's:sehr niedrig': [4], 'd:positiv': [1], 'd:stabil': [2], 'd:negativ': [3] },
      `MSS ${e.edition}: one class number per label`,
    );
    const dyn = [...got.values()].filter((v) => v.dynamics !== null);
    t.ok(dyn.every((v) => (v.dynamics as number) < -1 === (v.dynamicsLabel === 'positiv') && (v.dynamics as number) > 1 === (v.dynamicsLabel === 'negativ')), 'positiv below -1, negativ above +1');
  }
});

t.test('a unit under 300 residents is left out of the standardisation and withheld as min_base', async (t) => {
  // 03300515 has 38 residents on 31.12.2020 and no published MSS values; deliver it values as if it had them
  const before = await indexValues('2021', '2020-12-31');
  const key = await issueKey(database.db, ['ingest:write'], 'sensbw');
  for (const variable of ['mss_s1', 'mss_s3', 'mss_s4', 'mss_d1', 'mss_d3', 'mss_d4']) {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/variables/${variable}/observations?lorVersion=2021`,
      headers: { ...key.auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ observations: [{ unit: '03300515', date: '2020-12-31', value: variable.startsWith('mss_d') ? 5 : 60 }] }),
    });
    t.equal(res.statusCode, 201, res.body);
  }
  await indicatorsCaughtUp(database);
  const after = await indexValues('2021', '2020-12-31');
  t.match(after.get('03300515'), { status: 'suppressed', suppression: 'min_base', value: null, class: null, classLabel: null });
  const changed = [...before.values()].filter((v) => after.get(v.unit)?.value !== v.value || after.get(v.unit)?.dynamics !== v.dynamics);
  t.same(changed.map((v) => v.unit), [], 'the other units are standardised as before: the small unit is not among them');
});
