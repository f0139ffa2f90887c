// The crosswalk as CSV for GIS and spreadsheet tools: the one CSV writer (RFC 4180, comma, point decimals, header row),
// every text cell quoted so that LOR ids stay text.
import { csvDocument, rfc4180 } from '@datenpool/service-kit';
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

/** UTF-8 without BOM (GIS readers take the header as it is), CRLF line ends; text quoted (GDAL QUOTED_FIELDS_AS_STRING) */
export function crosswalkCsv(rows: CrosswalkRow[]): Buffer {
  return csvDocument(crosswalkCsvColumns, rows, (row) => crosswalkCsvColumns.map((c) => row[c]), { ...rfc4180, quoteText: true });
}
