// Reject: a refused batch's outcome and the answer a replay gives, written together; nothing of its rows is stored.
import type { Database, Kysely } from '@datenpool/db';
import * as batches from '../queries/batches.ts';
import { type BatchResult, type Rejection, reportNow } from './batch-record.ts';

/** the refusal as a stored answer; the caller throws it (problemOf) once the staged rows are let go */
export async function rejectBatch(db: Kysely<Database>, { record, problem }: Rejection, checksum: () => string | null): Promise<BatchResult> {
  const { id, counts, totalErrors } = record;
  const errors = [...record.errors];
  // the outcome and the answer a replay gives land together: a replay never finds a finished batch without one
  return db.transaction().execute(async (trx) => {
    await batches.finishBatch(trx, id, {
      status: 'rejected', checksum: checksum(), ...counts, revised: 0, unchanged: 0,
      errors, warnings: [], result: { totalErrors },
    });
    const batch = await reportNow(trx, id);
    const extensions = { ...problem.extensions, errors, totalErrors, batchId: id, batch };
    const rejected: BatchResult = {
      statusCode: problem.status,
      totalErrors,
      body: {},
      problem: { kind: problem.kind, title: problem.title, detail: problem.message, extensions },
    };
    await batches.storeResult(trx, id, rejected);
    return rejected;
  });
}
