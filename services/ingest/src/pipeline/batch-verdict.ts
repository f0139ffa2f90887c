// Verdict: from the staged rows, whether the batch lands (accepted, partial) or is refused, and why.
import type { Database, Kysely } from '@datenpool/db';
import { HttpProblem, Unprocessable } from '@datenpool/service-kit';
import * as staging from '../queries/staging.ts';
import { type BatchOptions, type BatchRecord, type Landing, MAX_REPORTED_ERRORS, type Rejection, rejection, withErrors } from './batch-record.ts';

/** an empty body is malformed; a repeated key (unit, date, breakdown) makes its later rows invalid */
export async function judgeBatch(db: Kysely<Database>, staged: BatchRecord, mode: BatchOptions['mode']): Promise<Landing | Rejection> {
  if (staged.counts.total === 0) {
    return rejection(staged, new HttpProblem(400, 'malformed-body', 'Malformed body', 'The body holds no observations.'));
  }
  const { record, repeated } = await withDuplicates(db, staged);
  const { total, valid, invalid } = record.counts;
  if (invalid === 0) return { kind: 'land', record, status: 'accepted', duplicatesStaged: false };
  if (mode === 'partial' && valid > 0) return { kind: 'land', record, status: 'partial', duplicatesStaged: repeated > 0 };
  const remains = mode === 'atomic' ? 'the batch is atomic, so nothing was stored' : 'no valid row remains';
  return rejection(record, new Unprocessable(`${invalid} of ${total} rows are invalid; ${remains}.`));
}

/** the record with the later rows of each repeated key counted invalid: reported by row for the first groups, all counted */
async function withDuplicates(db: Kysely<Database>, record: BatchRecord): Promise<{ record: BatchRecord; repeated: number }> {
  // one staged row cannot repeat a key: a one-row push skips the look (a round trip, on PGlite behind every other)
  if (record.counts.valid <= 1) return { record, repeated: 0 };
  const dups = await staging.findDuplicates(db, record.id, MAX_REPORTED_ERRORS);
  if (dups.extraRows === 0) return { record, repeated: 0 };
  const listed = dups.groups.flatMap((group) =>
    group.rows.slice(1).map((row) => ({ row, field: 'unit', code: 'duplicate-key', message: `Same unit, date and breakdown as row ${group.rows[0]}.` })),
  );
  const { total, valid, invalid } = record.counts;
  const counts = { total, valid: valid - dups.extraRows, invalid: invalid + dups.extraRows };
  return { record: { ...withErrors(record, listed, dups.extraRows), counts }, repeated: dups.extraRows };
}
