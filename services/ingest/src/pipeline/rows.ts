// The row model every body format is parsed into, and the validated row that is staged.
import type { RowError } from '@datenpool/service-kit';

/** one data row as a parser found it; numbering of data rows starts at 1 (a CSV header is row 0) */
export interface RawRow {
  row: number;
  unit?: unknown;
  date?: unknown;
  value?: unknown;
  status?: unknown;
  /** SDMX-CSV ACTION: M merge, R replace (both write the given observations), D delete */
  action?: unknown;
  breakdown: Record<string, unknown>;
  /** errors the parser already found (e.g. a wrong number of columns) */
  errors?: RowError[];
}

export interface StagedRow {
  row: number;
  unit: string;
  level: string;
  date: string;
  breakdown: string;
  value: number | null;
  deleted: boolean;
  status: 'provisional' | 'final' | 'estimated';
}

/** a malformed body (not a row problem): the whole upload is refused with a 400 */
export class MalformedBody extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedBody';
  }
}

/** canonical breakdown text: `dim=code` pairs sorted by dim, joined with `;`; '' for the total */
export function canonicalBreakdown(pairs: Record<string, string>): string {
  return Object.keys(pairs)
    .sort()
    .map((dim) => `${dim}=${pairs[dim]}`)
    .join(';');
}

/** the pairs of a canonical breakdown text (or of a client's `dim=code;dim=code`) */
export function parseBreakdown(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    if (!part) continue;
    const at = part.indexOf('=');
    if (at <= 0) continue;
    out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}
