// Bundled Monitoring Soziale Stadtentwicklung 2013–2021: the delivered index and context rates of every edition, per
// Planungsraum of the LOR version the edition uses, and the residents the MSS files give where the EWR has none.
import { parse } from 'csv-parse/sync';
import type { RawRow } from '../pipeline/rows.ts';
import type { BundleLoader } from './common.ts';
import { BundleCheckFailed, longRows, NO_VALUE, readBundled, readTable } from './common.ts';

/** one MSS edition: its data refer to 31 December of the year before the edition (MSS 2021: "EW 31.12.2020") */
export interface MssEdition {
  edition: number;
  file: string;
  date: string;
  lorVersion: '2006' | '2021';
  /** the file's residents are loaded as `einwohner` (total) only where the Einwohnerregister files have no such date */
  residents: boolean;
}

export const mssEditions: MssEdition[] = [
  { edition: 2013, date: '2012-12-31', lorVersion: '2006', residents: true },
  { edition: 2015, date: '2014-12-31', lorVersion: '2006', residents: true },
  { edition: 2017, date: '2016-12-31', lorVersion: '2006', residents: false },
  { edition: 2019, date: '2018-12-31', lorVersion: '2006', residents: false },
  { edition: 2021, date: '2020-12-31', lorVersion: '2021', residents: false },
].map((e) => ({ ...e, file: `stats/mss/berlin-lor-monitoring-social-urban-development-${e.edition}-00-planning-areas.csv` }) as MssEdition);

export const mssIndexTable2021 = 'stats/mss/mss-2021-indexindikatoren-plr.csv';

/** status (s) and dynamics (d) columns of the open-lifeworlds files → variables; S2/D2 exist in 2013–2017 only */
const indexColumns: Record<string, string> = {
  s1_percentage_unemployed: 'mss_s1',
  s2_percentage_long_term_unemployed: 'mss_s2',
  s3_percentage_transfer_payments_recipients: 'mss_s3',
  s4_percentage_transfer_payments_recipients_below_15_years: 'mss_s4',
  d1_percentage_unemployed: 'mss_d1',
  d2_percentage_long_term_unemployed: 'mss_d2',
  d3_percentage_transfer_payments_recipients: 'mss_d3',
  d4_percentage_transfer_payments_recipients_below_15_years: 'mss_d4',
};

/**
 * the context columns → variables per edition. 2013 and 2021 are labelled as their editions number them. In 2015–2019
 * the product kept the 2013 labels k06…k13 over a different indicator set: the values are positional in the order
 * the 2021 edition also uses (K16 foreigners, K06 change, K17 non-EU, K07, K08, two unidentified, K09), which the
 * value ranges and the correlation with 2013 confirm (k09↔K07 0.95, k10↔K08 0.99, k13↔K09 0.99); the two
 * unidentified columns (k11, k12) and K10–K13 of those editions are not loaded (SOURCES.md, defect 6).
 */
export function contextColumns(edition: number, header: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const shifted: Record<string, string> = { k06: 'mss_k16', k07: 'mss_k06', k08: 'mss_k17', k09: 'mss_k07', k10: 'mss_k08', k13: 'mss_k09' };
  for (const column of header) {
    const m = /^k(\d\d)_/.exec(column);
    if (!m) continue;
    const k = `k${m[1]}`;
    if (edition === 2013 || edition === 2021 || Number(m[1]) <= 5) out[column] = `mss_${k}`;
    else if (shifted[k]) out[column] = shifted[k];
  }
  return out;
}

export interface MssFile {
  header: string[];
  /** rows by PLR id, with `inhabitants` once */
  records: Record<string, string>[];
  checksum: string;
}

/**
 * an open-lifeworlds MSS file. Defect 6: `inhabitants` appears twice (both must agree, else the start stops naming the
 * row); `-` marks a missing value; the `z_…` columns are never read (the `z_d…` ones are shifted).
 */
export function readMssFile(file: string): MssFile {
  const { bytes, checksum } = readBundled(file);
  const rows = parse(bytes, { bom: true, skip_empty_lines: true }) as string[][];
  const header = rows[0] ?? [];
  const positions = header.flatMap((h, i) => (h === 'inhabitants' ? [i] : []));
  const records = rows.slice(1).map((row, n) => {
    if (positions.length > 1 && new Set(positions.map((p) => row[p])).size > 1) {
      throw new BundleCheckFailed(file, `row ${n + 2} (${row[0]}): the two inhabitants columns disagree (${positions.map((p) => row[p]).join(' vs ')})`);
    }
    return Object.fromEntries(header.map((h, i) => [h, row[i] ?? '']));
  });
  return { header, records, checksum };
}

/**
 * MSS 2021 Planungsräume that table 3 rates but the open-lifeworlds file lacks (05300840, 12200411): their status and
 * dynamics rates reconstructed from the published z-values (value = mean + sd × z, mean and sd fitted by least squares
 * over the Planungsräume that have both), delivered as `estimated`, so that the standardisation runs over the same 536
 * units the MSS used
 */
export function reconstructMissing2021(file: MssFile, table: Record<string, string>[]): Array<{ unit: string; variable: string; value: number }> {
  const have = new Map(file.records.map((r) => [r.id, r]));
  const pairs: Array<[string, string]> = [
    ['zS1', 's1_percentage_unemployed'],
    ['zS3', 's3_percentage_transfer_payments_recipients'],
    ['zS4', 's4_percentage_transfer_payments_recipients_below_15_years'],
    ['zD1', 'd1_percentage_unemployed'],
    ['zD3', 'd3_percentage_transfer_payments_recipients'],
    ['zD4', 'd4_percentage_transfer_payments_recipients_below_15_years'],
  ];
  const out: Array<{ unit: string; variable: string; value: number }> = [];
  const missing = table.filter((r) => !have.has(r['PLR-ID'] ?? '') && !NO_VALUE.test(r.zS1?.trim() ?? ''));
  if (missing.length === 0) return out;
  for (const [z, column] of pairs) {
    const xy = table.flatMap((r) => {
      const own = have.get(r['PLR-ID'] ?? '');
      const x = Number(r[z]);
      const y = Number(own?.[column]);
      return own && !NO_VALUE.test(r[z]?.trim() ?? '') && !NO_VALUE.test(own[column]?.trim() ?? '') && Number.isFinite(x) && Number.isFinite(y) ? [[x, y]] : [];
    });
    const n = xy.length;
    const mx = xy.reduce((s, [x]) => s + (x as number), 0) / n;
    const my = xy.reduce((s, [, y]) => s + (y as number), 0) / n;
    const sxy = xy.reduce((s, [x, y]) => s + ((x as number) - mx) * ((y as number) - my), 0);
    const sxx = xy.reduce((s, [x]) => s + ((x as number) - mx) ** 2, 0);
    const slope = sxy / sxx;
    for (const r of missing) {
      const value = my + slope * (Number(r[z]) - mx);
      out.push({ unit: r['PLR-ID'] as string, variable: indexColumns[column] as string, value: Math.round(value * 1e5) / 1e5 });
    }
  }
  return out;
}

export async function loadMss(loader: BundleLoader): Promise<void> {
  // residents of 31.12.2020 on the 2021 LOR (MSS 2021 context table; the EWR files start on the 2021 LOR in 2021)
  const kontext = readTable('stats/mss-2021-kontextindikatoren-plr.csv');
  await loader.load('mss', 'einwohner', '2021', longRows(kontext.records, 'PLR-ID', '2020-12-31', { 'EW 31.12.2020': {} }), kontext.checksum);
  const index2021 = readTable(mssIndexTable2021);
  checkKontext2021(kontext.records);
  for (const edition of mssEditions) {
    const file = readMssFile(edition.file);
    if (edition.residents) {
      await loader.load('mss', 'einwohner', edition.lorVersion, longRows(file.records, 'id', edition.date, { inhabitants: {} }), file.checksum);
    }
    const columns = { ...Object.fromEntries(Object.entries(indexColumns).filter(([c]) => file.header.includes(c))), ...contextColumns(edition.edition, file.header) };
    const extra = edition.edition === 2021 ? reconstructMissing2021(file, index2021.records) : [];
    for (const [column, variable] of Object.entries(columns)) {
      const rows: RawRow[] = longRows(file.records, 'id', edition.date, { [column]: {} });
      for (const e of extra.filter((x) => x.variable === variable)) {
        rows.push({ row: rows.length + 1, unit: e.unit, date: edition.date, value: String(e.value), breakdown: {}, status: 'estimated' });
      }
      await loader.load('mss', variable, edition.lorVersion, rows, file.checksum);
    }
  }
}

/** the MSS 2021 context table (2 decimals) and the open-lifeworlds 2021 file (5 decimals) must agree to the rounding */
function checkKontext2021(kontext: Record<string, string>[]): void {
  const edition = mssEditions.find((e) => e.edition === 2021) as MssEdition;
  const file = readMssFile(edition.file);
  const byId = new Map(file.records.map((r) => [r.id, r]));
  const columns = contextColumns(2021, file.header);
  for (const row of kontext) {
    const own = byId.get(row['PLR-ID'] ?? '');
    if (!own) continue;
    for (const [column, variable] of Object.entries(columns)) {
      const published = row[variable.slice(4).toUpperCase()]?.trim() ?? '';
      const value = own[column]?.trim() ?? '';
      if (NO_VALUE.test(published) !== NO_VALUE.test(value) || (!NO_VALUE.test(value) && Math.abs(Number(published) - Number(value)) > 0.0051)) {
        throw new BundleCheckFailed(edition.file, `${row['PLR-ID']} ${column} = ${value}, the MSS 2021 context table has ${published}`);
      }
    }
  }
}
