// The bundled MSS and EWR files as the MSS tests read them, independently of the loader: published values per edition.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

const data = new URL('../../../data/stats/', import.meta.url);

export const editions = [
  { edition: 2013, date: '2012-12-31', version: '2006' },
  { edition: 2015, date: '2014-12-31', version: '2006' },
  { edition: 2017, date: '2016-12-31', version: '2006' },
  { edition: 2019, date: '2018-12-31', version: '2006' },
  { edition: 2021, date: '2020-12-31', version: '2021' },
] as const;

function csv(file: string, delimiter = ','): Record<string, string>[] {
  const stored = readFileSync(new URL(file, data));
  const bytes = file.endsWith('.gz') ? gunzipSync(stored) : stored;
  // the MSS files name `inhabitants` twice (defect 6): the last one wins here, and the loader checks that both agree
  return parse(bytes, { bom: true, delimiter, columns: true, skip_empty_lines: true, relax_column_count: true }) as Record<string, string>[];
}

/** the open-lifeworlds file of an edition, `-` as null */
export function mssFile(edition: number): Array<Record<string, string | null>> {
  return csv(`mss/berlin-lor-monitoring-social-urban-development-${edition}-00-planning-areas.csv`).map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.trim() === '-' || v.trim() === '' ? null : v.trim()])),
  );
}

export function indexTable2021(): Record<string, string>[] {
  return csv('mss/mss-2021-indexindikatoren-plr.csv', ';');
}

/** EWR residents per Planungsraum at a year end (2015–2020 on LOR 2006), from the bundled product files */
export function ewrPlr(year: number): Map<string, Record<string, number>> {
  const file = `ewr/berlin-lor-population-${year}-02-t2-planning-areas.csv`;
  let rows: Record<string, string>[];
  try {
    rows = csv(`${file}.gz`);
  } catch {
    rows = csv(file);
  }
  return new Map(rows.map((r) => [r.id as string, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]))]));
}

export const close = (a: number | null | undefined, b: number | null | undefined, eps = 1e-9) =>
  typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= eps * Math.max(1, Math.abs(b));
