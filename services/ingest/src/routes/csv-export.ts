// CSV for spreadsheets: RFC 4180 quoting, and formula-looking text defused with a leading '.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** a cell that Excel or LibreOffice would run as a formula (=, +, -, @, tab, CR) gets a leading ' */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? String(value) : String(value);
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",;\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

/** a CSV document (header row, CRLF lines) as text chunks, one per batch of rows: written while the rows are read */
export async function* csvChunks<R>(header: string[], batches: AsyncIterable<R[]>, cells: (row: R) => unknown[]): AsyncGenerator<string> {
  yield csvLine(header);
  for await (const batch of batches) if (batch.length > 0) yield batch.map((r) => csvLine(cells(r))).join('');
}
