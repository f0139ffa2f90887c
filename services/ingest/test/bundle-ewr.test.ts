// The bundled Einwohnerregister, the crosswalk and the Kriminalitätsatlas as a new user finds them, each checked
// against the original files in ../shared/data (read here independently of the loader).
import { readFileSync } from 'node:fs';
import { sql } from '@datenpool/db';
import { parse } from 'csv-parse/sync';
import t from 'tap';
import { testGateway } from '../../../test/support/app.ts';
import { BundleCheckFailed, readTable } from '../src/bundle/common.ts';
import { checkEwrTotals, ewrDate, ewrHalfYears, ewrVersion } from '../src/bundle/ewr.ts';
import { sharedData } from './fixtures.ts';

const { app, database } = await testGateway(t);
const { db } = database;
const csv = (file: string, delimiter = ',') =>
  parse(readFileSync(new URL(`stats/${file}`, sharedData)), { bom: true, delimiter, columns: true }) as Record<string, string>[];

t.test('every half-year 2015–2024: the stored Planungsräume add up to the published district and city files', async (t) => {
  for (const halfYear of ewrHalfYears) {
    const date = ewrDate(halfYear);
    const version = ewrVersion(halfYear);
    const stored = await sql<{ bezirk: string; breakdown: string; total: number; n: number }>`
      SELECT left(unit_id, 2) AS bezirk, breakdown, sum(value)::float8 AS total, count(*)::int AS n FROM observation
      WHERE variable_id = 'einwohner' AND lor_version = ${version} AND ref_date = ${date}::date AND level = 'planungsraum'
        AND valid_to IS NULL AND breakdown IN ('', 'age=unter6', 'age=65undmehr', 'sex=weiblich', 'citizenship=auslaendisch')
      GROUP BY 1, 2`.execute(db);
    const got = new Map(stored.rows.map((r) => [`${r.bezirk}|${r.breakdown}`, r.total]));
    const districts = csv(`ewr/berlin-lor-population-${halfYear}-t2-districts.csv`);
    const columns = { '': 'inhabitants', 'age=unter6': 'inhabitants_age_below_6', 'age=65undmehr': 'inhabitants_age_above_65', 'sex=weiblich': 'inhabitants_female', 'citizenship=auslaendisch': 'inhabitants_foreigners' };
    let mismatches = 0;
    for (const d of districts) {
      for (const [breakdown, column] of Object.entries(columns)) if (got.get(`${d.id}|${breakdown}`) !== Number(d[column])) mismatches++;
    }
    t.equal(mismatches, 0, `${date} (LOR ${version}): 12 districts × 5 cells equal the district file`);
    const plr = csv(`ewr/berlin-lor-population-${halfYear}-t2-planning-areas.csv`);
    const units = stored.rows.filter((r) => r.breakdown === '').reduce((n, r) => n + r.n, 0);
    t.equal(units, plr.length, `${date}: one total per Planungsraum of the file`);
  }
  const city = csv('ewr/berlin-lor-population-2024-02-t2-city.csv')[0]!;
  const res = await app.inject({ url: '/v1/variables/einwohner/observations?level=berlin&date=2024-12-31&breakdown=total&lorVersion=2021' });
  t.same(res.json().observations.map((o: { value: number }) => o.value), [Number(city.inhabitants)], 'the API rolls 2024-12-31 up to the city file');
});

t.test('a Planungsraum file that does not add up to its district file stops the load, naming file and column', async (t) => {
  const plr = readTable('stats/ewr/berlin-lor-population-2019-02-t2-planning-areas.csv.gz', ',');
  const broken = { ...plr, records: plr.records.map((r, i) => (i === 3 ? { ...r, inhabitants_female: String(Number(r.inhabitants_female) + 1) } : r)) };
  t.throws(() => checkEwrTotals('2019-02', broken), BundleCheckFailed);
  t.throws(() => checkEwrTotals('2019-02', broken), /inhabitants_female: the Planungsräume of Bezirk 01 sum to \d+, the district file says \d+/);
  t.doesNotThrow(() => checkEwrTotals('2019-02', plr));
});

t.test('migration background on 31.12.2020 (LOR 2006) and 31.12.2024 (LOR 2021) from the t1 tables', async (t) => {
  for (const [halfYear, version] of [['2020-02', '2006'], ['2024-02', '2021']] as const) {
    const rows = csv(`ewr/berlin-lor-population-${halfYear}-t1-planning-areas.csv`);
    const published = rows.reduce((n, r) => n + Number(r.inhabitants_with_migration_background), 0);
    const res = await app.inject({ url: `/v1/variables/einwohner/observations?level=berlin&date=${ewrDate(halfYear)}&breakdown=citizenship=migrationshintergrund&lorVersion=${version}` });
    t.equal(res.json().observations[0]?.value, published, `${halfYear}: Berlin's residents with migration background`);
  }
});

t.test('the matrix files give the age variables: 60 and over, under 21, 14 to under 21, under 25, 6 to under 25', async (t) => {
  const read = (file: string) => parse(readFileSync(new URL(`stats/ewr-matrix/${file}`, sharedData)), { delimiter: ';', columns: true }) as Record<string, string>[];
  const cases = [
    { file: 'EWR202012E_Matrix.csv', date: '2020-12-31', version: '2006' },
    { file: 'EWR_L21_202512E_Matrix.csv', date: '2025-12-31', version: '2021' },
  ];
  for (const c of cases) {
    const rows = read(c.file).filter((r) => r.E_E !== 'NA');
    // 60 and over from the single-year bands, independently of the loader's choice of columns
    // the single-year bands E_Elo_hi: [lo, hi) in years
    const band = (r: Record<string, string>, keep: (lo: number, hi: number) => boolean) =>
      Object.keys(r).reduce((m, k) => {
        const b = /^E_E(\d\d)_(\d+)$/.exec(k);
        return b && keep(Number(b[1]), Number(b[2])) ? m + Number(r[k]) : m;
      }, 0);
    const over60 = rows.reduce((n, r) => n + band(r, (lo) => lo >= 60), 0);
    const res = await app.inject({ url: `/v1/variables/einwohner_ueber60/observations?level=berlin&date=${c.date}&lorVersion=${c.version}` });
    t.equal(res.json().observations[0]?.value, over60, `${c.date}: residents 60+ of Berlin`);
    const under21 = rows.reduce((n, r) => n + band(r, (_, hi) => hi <= 21), 0);
    const u21 = await app.inject({ url: `/v1/variables/einwohner_unter21/observations?level=berlin&date=${c.date}&lorVersion=${c.version}` });
    t.equal(u21.json().observations[0]?.value, under21, `${c.date}: residents under 21 of Berlin`);
  }
  const withheld = await db.selectFrom('observation').select('unit_id').where('ref_date', '=', '2025-12-31' as never).where('unit_id', 'in', ['03400831', '06200418']).execute();
  t.same(withheld, [], 'the two anonymised (NA) Planungsräume of 2025 have no values, not zeros');
});

t.test('the crosswalk: weights of each unit sum to 1, both directions, three levels', async (t) => {
  const sums = await sql<{ from_version: string; level: string; units: number; worst: number }>`
    SELECT from_version, level, count(*)::int AS units, max(abs(s - 1))::float8 AS worst
    FROM (SELECT from_version, level, from_id, sum(weight) AS s FROM lor_crosswalk GROUP BY 1, 2, 3) x GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  t.same(sums.rows.map((r) => [r.from_version, r.level, r.units]), [
    ['2006', 'bezirksregion', 138], ['2006', 'planungsraum', 448], ['2006', 'prognoseraum', 60],
    ['2021', 'bezirksregion', 143], ['2021', 'planungsraum', 542], ['2021', 'prognoseraum', 58],
  ]);
  t.ok(sums.rows.every((r) => r.worst < 1e-12), 'every unit carries exactly its whole value');
});

t.test('residents carried across the reform conserve the Berlin total to 1e-9 and are all marked estimated', async (t) => {
  const totals = await sql<{ lor_version: string; ref_date: string; total: number; statuses: string[] }>`
    SELECT lor_version, to_char(ref_date, 'YYYY-MM-DD') AS ref_date, sum(value)::float8 AS total, array_agg(DISTINCT status ORDER BY status) AS statuses
    FROM observation WHERE variable_id = 'einwohner' AND breakdown = '' AND level = 'planungsraum' AND valid_to IS NULL
      AND ref_date IN ('2018-12-31', '2023-12-31')
    GROUP BY 1, 2 ORDER BY 2, 1`.execute(db);
  const by = new Map(totals.rows.map((r) => [`${r.lor_version}|${r.ref_date}`, r]));
  for (const [date, native, carried] of [['2018-12-31', '2006', '2021'], ['2023-12-31', '2021', '2006']] as const) {
    const n = by.get(`${native}|${date}`)!;
    const c = by.get(`${carried}|${date}`)!;
    t.ok(Math.abs(n.total - c.total) < 1e-9 * n.total, `${date}: ${carried} total ${c.total} = delivered ${native} total ${n.total}`);
    t.same(n.statuses, ['final'], `${date}: delivered on ${native} as final`);
    t.same(c.statuses, ['estimated'], `${date}: carried to ${carried}, every value estimated`);
  }
  // a 2021 Planungsraum now has a residents series from 2015 (estimated before the reform) to 2025
  const series = await sql<{ year: number; status: string }>`SELECT extract(year FROM ref_date)::int AS year, status FROM observation
    WHERE variable_id = 'einwohner' AND lor_version = '2021' AND unit_id = '01100101' AND breakdown = '' AND valid_to IS NULL
      AND extract(month FROM ref_date) = 12 ORDER BY ref_date`.execute(db);
  // 2012 and 2014 from the residents the MSS editions 2013 and 2015 deliver, 2015–2020 from the Einwohnerregister
  // (2020 on LOR 2021 from the MSS 2021 table), 2025 from the matrix file
  t.same(series.rows.map((r) => r.year), [2012, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025]);
  t.ok(series.rows.filter((r) => r.year <= 2019).every((r) => r.status === 'estimated'), 'carried before 2020: estimated');
  t.ok(series.rows.filter((r) => r.year >= 2020).every((r) => r.status === 'final'), 'delivered on LOR 2021: final');
});

t.test('the crime atlas: case numbers per 2021 Bezirksregion, the unassignable BB9900 rows rejected by name', async (t) => {
  const rows = csv('kriminalitaetsatlas/berlin-lor-crime-atlas-2023-00-case-numbers-district-regions.csv');
  const row = rows.find((r) => r.id === '011001')!;
  const res = await app.inject({ url: '/v1/variables/straftaten/observations?unit=011001&date=2023-12-31&breakdown=total' });
  t.same(res.json().observations.map((o: { value: number }) => o.value), [Number(row.offences)]);
  const kiez = await app.inject({ url: '/v1/variables/straftaten/observations?level=berlin&date=2023-12-31&breakdown=delikt=kieztaten' });
  const assignable = rows.filter((r) => !r.id!.endsWith('9900'));
  t.equal(kiez.json().observations[0]?.value, assignable.reduce((n, r) => n + Number(r.kieztaten), 0), 'Berlin = the sum of the 143 Bezirksregionen');
  const batches = await sql<{ status: string; errors: Array<{ code: string; message: string }> }>`
    SELECT status, errors FROM ingest_batch WHERE variable_id = 'straftaten' ORDER BY started_at`.execute(db);
  t.equal(batches.rows.length, 12, 'one batch per year 2012–2023');
  t.ok(batches.rows.every((b) => b.status === 'partial'));
  const messages = batches.rows.flatMap((b) => b.errors);
  const unassignable = messages.filter((e) => e.code === 'unknown-unit' && /"\d\d9900"/.test(e.message));
  t.equal(unassignable.length, 12 * 12 * 17, 'the 12 BB9900 rows × 17 offence columns of each year, each named');
  // the 2013 table has the text "Eso" for the street robberies of 013008: rejected as not a number, never stored
  const other = messages.filter((e) => !unassignable.includes(e));
  t.same(other.map((e) => [e.code, e.message]), [['not-a-number', 'Value "Eso" is not a finite number.']]);
  const eso = await sql<{ n: number }>`SELECT count(*)::int AS n FROM observation WHERE variable_id = 'straftaten' AND unit_id = '013008'
    AND ref_date = '2013-12-31' AND breakdown = 'delikt=strassenraub'`.execute(db);
  t.equal(eso.rows[0]!.n, 0);
});
