// Stage: every row read, validated and written to the batch's staging rows; a malformed or too large body is refused.
import type { Database, Kysely } from '@datenpool/db';
import { HttpProblem, PayloadTooLarge, type RowError } from '@datenpool/service-kit';
import * as batches from '../queries/batches.ts';
import * as staging from '../queries/staging.ts';
import { type BatchOptions, type BatchRecord, MAX_REPORTED_ERRORS, type Rejection, type RowCounts, rejection, type Staged, type Target, withErrors } from './batch-record.ts';
import { MalformedBody, type RawRow, type StagedRow } from './rows.ts';
import { makeValidator } from './validate.ts';

const CHUNK_ROWS = 10_000;

/**
 * Reads the rows once. Invalid rows are counted and reported, valid ones staged in chunks of CHUNK_ROWS (staged even
 * once an atomic batch has an invalid row: the verdict finds duplicate keys in the staged rows). Any other error than
 * a malformed or too large body is thrown: the batch failed.
 */
export async function stageRows(
  db: Kysely<Database>,
  id: string,
  target: Target,
  options: Pick<BatchOptions, 'decimalComma'>,
  rows: AsyncIterable<RawRow> | Iterable<RawRow>,
): Promise<Staged | Rejection> {
  const validate = makeValidator({ variable: target.variable, units: target.units, decimalComma: options.decimalComma });
  // this loop's own tally, local to it and handed on as the record it returns
  let total = 0;
  let valid = 0;
  let invalid = 0;
  let deliveredCoarse = false;
  const errors: RowError[] = [];
  let totalErrors = 0;
  let chunk: StagedRow[] = [];
  try {
    for await (const raw of rows) {
      total++;
      const checked = validate(raw);
      if (Array.isArray(checked)) {
        invalid++;
        totalErrors += checked.length;
        for (const e of checked) if (errors.length < MAX_REPORTED_ERRORS) errors.push(e);
      } else {
        valid++;
        if (checked.level !== 'planungsraum') deliveredCoarse = true;
        chunk.push(checked);
      }
      if (total % CHUNK_ROWS === 0) {
        await stageChunk(db, id, chunk, { total, valid, invalid });
        chunk = [];
      }
    }
    await stageChunk(db, id, chunk, { total, valid, invalid });
  } catch (err) {
    const refused = bodyRefusal(err, total + 1);
    if (!refused) throw err;
    const record: BatchRecord = { id, counts: { total, valid, invalid }, errors, totalErrors, deliveredCoarse };
    return rejection(withErrors(record, [refused.error]), refused.problem);
  }
  return { kind: 'staged', record: { id, counts: { total, valid, invalid }, errors, totalErrors, deliveredCoarse } };
}

/** the chunk's rows staged, and the batch's progress as far as it was read */
async function stageChunk(db: Kysely<Database>, id: string, chunk: StagedRow[], counts: RowCounts): Promise<void> {
  await staging.stageChunk(db, id, chunk);
  await batches.updateProgress(db, id, counts);
}

/** a body that cannot be read on is refused whole, its error reported at the row where reading stopped */
function bodyRefusal(err: unknown, row: number): { problem: HttpProblem; error: RowError } | null {
  if (err instanceof MalformedBody) {
    return {
      problem: new HttpProblem(400, 'malformed-body', 'Malformed body', err.message),
      error: { row, field: 'body', code: 'malformed', message: err.message },
    };
  }
  if (err instanceof PayloadTooLarge) return { problem: err, error: { row, field: 'body', code: 'too-large', message: err.message } };
  return null;
}
