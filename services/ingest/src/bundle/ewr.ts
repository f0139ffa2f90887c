// Bundled Einwohnerregisterstatistik (Amt für Statistik Berlin-Brandenburg): residents per Planungsraum, half-yearly
// 2015–2024 (LOR 2006 until 31.12.2020, LOR 2021 from 30.06.2021), migration background on two dates, and the two
// official matrix files with single-year age bands (31.12.2020 on LOR 2006, 31.12.2025 on LOR 2021).
// Every file is checked against its own totals before anything of it is loaded: the Planungsraum sums of a date equal
// that date's district and city files, a matrix row's age bands add up to its total. A failed check stops the start.
import { existsSync } from 'node:fs';
import type { RawRow } from '../pipeline/rows.ts';
import { BundleCheckFailed, type BundleLoader, dataDir, longRows, NO_VALUE, readTable, type Table } from './common.ts';

/** the half-years of the bundle: `YYYY-01` is 30 June, `YYYY-02` 31 December */
export const ewrHalfYears = Array.from({ length: 10 }, (_, i) => 2015 + i).flatMap((y) => [`${y}-01`, `${y}-02`]);

export function ewrDate(halfYear: string): string {
  const [year, half] = halfYear.split('-');
  return half === '01' ? `${year}-06-30` : `${year}-12-31`;
}

/** the LOR version a date's files are keyed on: the 2021 system from 30.06.2021 */
export function ewrVersion(halfYear: string): '2006' | '2021' {
  return Number(halfYear.slice(0, 4)) <= 2020 ? '2006' : '2021';
}

/** t2 columns → the breakdown cell of `einwohner` they are */
export const t2Columns: Record<string, Record<string, string>> = {
  inhabitants: {},
  inhabitants_age_below_6: { age: 'unter6' },
  inhabitants_age_6_15: { age: '6-15' },
  inhabitants_age_15_18: { age: '15-18' },
  inhabitants_age_18_27: { age: '18-27' },
  inhabitants_age_27_45: { age: '27-45' },
  inhabitants_age_45_55: { age: '45-55' },
  inhabitants_age_55_65: { age: '55-65' },
  inhabitants_age_above_65: { age: '65undmehr' },
  inhabitants_female: { sex: 'weiblich' },
  inhabitants_foreigners: { citizenship: 'auslaendisch' },
};

const t1Columns: Record<string, Record<string, string>> = {
  inhabitants_with_migration_background: { citizenship: 'migrationshintergrund' },
  inhabitants_germans: { citizenship: 'deutsch' },
};

const ewrFile = (halfYear: string, table: 't1' | 't2', level: string) => `stats/ewr/berlin-lor-population-${halfYear}-${table}-${level}.csv`;

function num(table: Table, record: Record<string, string>, column: string): number {
  const text = record[column];
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value)) {
    throw new BundleCheckFailed(table.file, `unit ${record.id}: column ${column} is ${JSON.stringify(text)}, not a number`);
  }
  return value;
}

/** the Planungsraum rows summed per district (2 digits) and for the city equal the district and city files */
export function checkEwrTotals(halfYear: string, plr: Table): void {
  const districts = readTable(ewrFile(halfYear, 't2', 'districts'), ',');
  const city = readTable(ewrFile(halfYear, 't2', 'city'), ',');
  const expected = new Map<string, Record<string, string>>();
  for (const r of districts.records) expected.set(r.id ?? '', r);
  for (const r of city.records) expected.set('city', r);
  for (const column of Object.keys(t2Columns)) {
    const sums = new Map<string, number>();
    for (const r of plr.records) {
      const v = num(plr, r, column);
      for (const key of [(r.id ?? '').slice(0, 2), 'city']) sums.set(key, (sums.get(key) ?? 0) + v);
    }
    for (const [key, record] of expected) {
      const want = num(key === 'city' ? city : districts, record, column);
      const got = sums.get(key) ?? 0;
      if (got !== want) {
        throw new BundleCheckFailed(plr.file, `${column}: the Planungsräume of ${key === 'city' ? 'Berlin' : `Bezirk ${key}`} sum to ${got}, the ${key === 'city' ? 'city' : 'district'} file says ${want}`);
      }
    }
  }
}

/** single-year bands of the matrix files → the breakdown cells and age variables of the pool */
const matrixBands = {
  unter6: ['E_EU1', 'E_E1U6'],
  '6-15': ['E_E6U15'],
  '15-18': ['E_E15U18'],
  '18-27': ['E_E18_21', 'E_E21_25', 'E_E25_27'],
  '27-45': ['E_E27_30', 'E_E30_35', 'E_E35_40', 'E_E40_45'],
  '45-55': ['E_E45_50', 'E_E50_55'],
  '55-65': ['E_E55_60', 'E_E60_63', 'E_E63_65'],
  '65undmehr': ['E_E65U80', 'E_E80U110'],
} as const;

export const matrixVariables: Record<string, string[]> = {
  einwohner_ueber60: ['E_E60_63', 'E_E63_65', 'E_E65U80', 'E_E80U110'],
  einwohner_unter21: ['E_EU1', 'E_E1U6', 'E_E6U15', 'E_E15U18', 'E_E18_21'],
  einwohner_14_21: ['E_E14_15', 'E_E15U18', 'E_E18_21'],
  einwohner_unter25: ['E_EU1', 'E_E1U6', 'E_E6U15', 'E_E15U18', 'E_E18U25'],
  einwohner_6_25: ['E_E6U15', 'E_E15U18', 'E_E18U25'],
};

/** the single-year columns from E_E00_01 to E_E95_110: one partition of all ages */
const singleYears = (columns: string[]) => columns.filter((c) => /^E_E\d\d_\d\d\d?$/.test(c));

export interface MatrixFile {
  file: string;
  date: string;
  version: '2006' | '2021';
  /** the EWR t2 file of the same date and version, whose totals the matrix must equal */
  sameDate?: string;
}

export const matrixFiles: MatrixFile[] = [
  { file: 'stats/ewr-matrix/EWR202012E_Matrix.csv.gz', date: '2020-12-31', version: '2006', sameDate: '2020-02' },
  { file: 'stats/ewr-matrix/EWR_L21_202512E_Matrix.csv.gz', date: '2025-12-31', version: '2021' },
];

/**
 * a matrix file's rows, checked: the single-year bands and the coarse bands each add up to E_E, men and women to E_E,
 * and (where an EWR file of the same date exists) E_E equals its inhabitants per Planungsraum. Rows whose values are
 * `NA` (two anonymised, practically uninhabited Planungsräume of 2025; SOURCES.md defect 7) are returned apart, to be
 * reported as rejected rows.
 */
export function readMatrix(m: MatrixFile): { table: Table; rows: Record<string, string>[]; withheld: string[] } {
  const table = readTable(m.file, ';');
  const columns = Object.keys(table.records[0] ?? {});
  const years = singleYears(columns);
  const coarse = ['E_EU1', 'E_E1U6', 'E_E6U15', 'E_E15U18', 'E_E18U25', 'E_E25U55', 'E_E55U65', 'E_E65U80', 'E_E80U110'];
  const rows: Record<string, string>[] = [];
  const withheld: string[] = [];
  for (const r of table.records) {
    if (NO_VALUE.test(r.E_E?.trim() ?? '')) {
      withheld.push(r.RAUMID ?? '');
      continue;
    }
    const unit = { ...r, id: r.RAUMID ?? '' };
    const total = num(table, unit, 'E_E');
    const sum = (cols: string[]) => cols.reduce((s, c) => s + num(table, unit, c), 0);
    if (sum(years) !== total) throw new BundleCheckFailed(m.file, `RAUMID ${r.RAUMID}: the single-year bands sum to ${sum(years)}, E_E is ${total}`);
    if (sum(coarse) !== total) throw new BundleCheckFailed(m.file, `RAUMID ${r.RAUMID}: the age groups sum to ${sum(coarse)}, E_E is ${total}`);
    if (sum(['E_EM', 'E_EW']) !== total) throw new BundleCheckFailed(m.file, `RAUMID ${r.RAUMID}: men and women sum to ${sum(['E_EM', 'E_EW'])}, E_E is ${total}`);
    rows.push(r);
  }
  if (m.sameDate) {
    const t2 = readTable(`${ewrFile(m.sameDate, 't2', 'planning-areas')}.gz`, ',');
    const inhabitants = new Map(t2.records.map((r) => [r.id, r.inhabitants]));
    for (const r of rows) {
      if (inhabitants.get(r.RAUMID) !== r.E_E) {
        throw new BundleCheckFailed(m.file, `RAUMID ${r.RAUMID}: E_E ${r.E_E} differs from the inhabitants ${inhabitants.get(r.RAUMID)} of ${t2.file}`);
      }
    }
  }
  return { table, rows, withheld };
}

function matrixRows(rows: Record<string, string>[], date: string, value: (r: Record<string, string>) => number | undefined, breakdown: Record<string, string> = {}): RawRow[] {
  const out: RawRow[] = [];
  for (const r of rows) {
    const v = value(r);
    if (v !== undefined) out.push({ row: out.length + 1, unit: r.RAUMID, date, value: String(v), breakdown });
  }
  return out;
}

const sumOf = (cols: readonly string[]) => (r: Record<string, string>) => cols.reduce((s, c) => s + Number(r[c]), 0);

export async function loadEwr(loader: BundleLoader): Promise<void> {
  const report = loader.report('ewr');
  // the half-yearly residents: one batch per date, after the file passed its totals check
  for (const halfYear of ewrHalfYears) {
    const plr = readTable(`${ewrFile(halfYear, 't2', 'planning-areas')}.gz`, ',');
    checkEwrTotals(halfYear, plr);
    const rows = longRows(plr.records, 'id', ewrDate(halfYear), t2Columns);
    const t1Name = ewrFile(halfYear, 't1', 'planning-areas');
    if (existsSync(new URL(`${t1Name}.gz`, dataDir))) {
      const t1 = readTable(`${t1Name}.gz`, ',');
      const total = new Map(plr.records.map((r) => [r.id, r.inhabitants]));
      for (const r of t1.records) {
        if (total.get(r.id) !== r.inhabitants) {
          throw new BundleCheckFailed(t1.file, `unit ${r.id}: inhabitants ${r.inhabitants} differ from ${total.get(r.id)} in ${plr.file}`);
        }
      }
      for (const row of longRows(t1.records, 'id', ewrDate(halfYear), t1Columns)) rows.push({ ...row, row: rows.length + 1 });
    }
    await loader.load('ewr', 'einwohner', ewrVersion(halfYear), rows, plr.checksum);
  }
  // the matrix files: residents by finer age groups (the pool's age variables), and on 31.12.2025 the whole breakdown
  for (const m of matrixFiles) {
    const { table, rows, withheld } = readMatrix(m);
    if (withheld.length > 0) {
      report.rejected += withheld.length;
      loader.log.warn({ file: m.file, units: withheld }, 'bundle: matrix rows without values (NA, anonymised) not loaded');
    }
    for (const [variable, cols] of Object.entries(matrixVariables)) {
      await loader.load('ewr', variable, m.version, matrixRows(rows, m.date, sumOf(cols)), table.checksum);
    }
    if (!m.sameDate) {
      const cells: RawRow[] = [
        ...matrixRows(rows, m.date, (r) => Number(r.E_E)),
        ...matrixRows(rows, m.date, (r) => Number(r.E_EW), { sex: 'weiblich' }),
        ...matrixRows(rows, m.date, (r) => Number(r.E_EM), { sex: 'maennlich' }),
        ...Object.entries(matrixBands).flatMap(([age, cols]) => matrixRows(rows, m.date, sumOf(cols), { age })),
      ].map((r, i) => ({ ...r, row: i + 1 }));
      await loader.load('ewr', 'einwohner', m.version, cells, table.checksum);
    }
  }
}
