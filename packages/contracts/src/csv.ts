// The one CSV writer: RFC 4180 quoting, the dialects spreadsheets read (comma or semicolon, decimal point or comma), and
// text that a spreadsheet would run as a formula defused. Row → line, so that exports are written while rows are read.
// Pure (no Node API): the services write with it through @datenpool/service-kit (which adds csvDocument, a whole
// document as bytes), the viewer's browser bundle imports it as @datenpool/contracts/csv.
//
// Defusal (OWASP "CSV injection"): Excel and LibreOffice run a cell as a formula when it starts with = + - @ (and treat
// a leading TAB or CR the same way after their own trimming), also behind leading spaces or quotes. Such a text cell
// gets a leading ' and is quoted: quoting alone is not enough (Excel and LibreOffice unquote before they evaluate), the
// apostrophe alone can be lost by a tool that re-quotes. Numbers stay numbers: a JavaScript number, and text that is
// a plain decimal number (-3.5, +1, 1e-7), is written as it is.

export interface CsvDialect {
  /** the cell separator: `semicolon` for spreadsheets in German locales */
  sep: 'comma' | 'semicolon';
  /** the decimal mark of numbers */
  decimal: 'point' | 'comma';
  /**
   * every text cell quoted, not only where it must be: GIS readers (GDAL's QUOTED_FIELDS_AS_STRING) then keep quoted
   * cells as text, so that ids such as 01100101 keep their leading zeros; numbers stay unquoted
   */
  quoteText?: boolean;
}

export interface CsvFormat extends CsvDialect {
  /** CRLF (RFC 4180, spreadsheets) or LF */
  lineEnd: '\r\n' | '\n';
  /** a UTF-8 byte order mark before the header, so that Excel reads umlauts */
  bom: boolean;
}

/** RFC 4180 as spreadsheets read it: comma, decimal point, CRLF, no BOM */
export const rfc4180: CsvFormat = { sep: 'comma', decimal: 'point', lineEnd: '\r\n', bom: false };

/** a plain decimal number written as text: no formula, whatever its sign */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** what makes a spreadsheet evaluate a cell, also behind leading spaces and quotes */
const FORMULA = /^[ \u00a0"']*[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]/;
/** text cells that contain either separator are quoted, so that a file opened with the other separator splits nowhere */
const NEEDS_QUOTES = /[",;\r\n]/;

/** would a spreadsheet run this text as a formula? */
export function isFormulaLike(text: string): boolean {
  return FORMULA.test(text) && !NUMBER.test(text);
}

function numberText(value: number | bigint, dialect: CsvDialect): string {
  const text = String(value);
  return dialect.decimal === 'comma' ? text.replace('.', ',') : text;
}

const separatorOf = (dialect: CsvDialect) => (dialect.sep === 'semicolon' ? ';' : ',');

/** one cell: empty for null, numbers in the dialect's decimal mark, text quoted where needed and defused */
export function csvCell(value: unknown, dialect: CsvDialect = rfc4180): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = numberText(value, dialect);
    return text.includes(separatorOf(dialect)) ? `"${text}"` : text;
  }
  let text = value instanceof Date ? value.toISOString() : String(value);
  const defuse = isFormulaLike(text);
  if (defuse) text = `'${text}`;
  return defuse || dialect.quoteText || NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** one row as a line of the document, with its line end */
export function csvLine(cells: readonly unknown[], format: CsvFormat = rfc4180): string {
  const sep = separatorOf(format);
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : sep) + csvCell(cells[i], format);
  return line + format.lineEnd;
}

/** the start of a document: the BOM if the format has one, and the header line */
export function csvHeader(header: readonly string[], format: CsvFormat = rfc4180): string {
  // the header's names are quoted only where they must be, also where every text cell is
  return (format.bom ? '\uFEFF' : '') + csvLine(header, { ...format, quoteText: false });
}

/** a document as text chunks, the header first, then one chunk per non-empty batch of rows: written while the rows are read */
export async function* csvChunks<R>(
  header: readonly string[],
  batches: AsyncIterable<readonly R[]>,
  cells: (row: R) => readonly unknown[],
  format: CsvFormat = rfc4180,
): AsyncGenerator<string> {
  yield csvHeader(header, format);
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    let text = '';
    for (const row of batch) text += csvLine(cells(row), format);
    yield text;
  }
}
