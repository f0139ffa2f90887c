// The one CSV writer for the services: the cells, lines and chunks of @datenpool/contracts/csv (pure, shared with the
// viewer's browser bundle), and a whole document as UTF-8 bytes.
import { type CsvFormat, csvHeader, csvLine, rfc4180 } from '@datenpool/contracts/csv';

export { type CsvDialect, type CsvFormat, csvCell, csvChunks, csvHeader, csvLine, isFormulaLike, rfc4180 } from '@datenpool/contracts/csv';

/** a whole document of rows held in memory, as UTF-8 bytes */
export function csvDocument<R>(header: readonly string[], rows: Iterable<R>, cells: (row: R) => readonly unknown[], format: CsvFormat = rfc4180): Buffer {
  let text = csvHeader(header, format);
  for (const row of rows) text += csvLine(cells(row), format);
  return Buffer.from(text, 'utf8');
}
