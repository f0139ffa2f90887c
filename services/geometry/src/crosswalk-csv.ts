// The crosswalk as CSV for GIS and spreadsheet tools: RFC 4180, comma, point decimals, header row, LOR ids quoted text.
import type { CrosswalkRow } from './queries/lor-crosswalk.ts';

export const crosswalkCsvColumns = [
  'from_version',
  'to_version',
  'level',
  'from_id',
  'to_id',
  'weight',
  'overlap_m2',
  'share_of_from',
  'share_of_to',
  'method',
] as const;

const numeric = new Set<string>(['weight', 'overlap_m2', 'share_of_from', 'share_of_to']);

/** text cells always quoted, so that ids keep their leading zeros (e.g. GDAL with QUOTED_FIELDS_AS_STRING) */
function cell(column: string, value: string | number): string {
  if (numeric.has(column)) return String(value);
  return `"${String(value).replace(/"/g, '""')}"`;
}

/** UTF-8 without BOM (GIS readers take the header as it is), CRLF line ends */
export function crosswalkCsv(rows: CrosswalkRow[]): string {
  const lines = [crosswalkCsvColumns.join(',')];
  for (const row of rows) lines.push(crosswalkCsvColumns.map((c) => cell(c, row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
