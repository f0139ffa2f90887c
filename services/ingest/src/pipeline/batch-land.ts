// Land: the staged rows merged into the observations in one transaction with their disclosure, the batch's outcome,
// the indicators' outbox entry and the stored answer; a dry run does all of it and rolls it back.
import type { Database, Kysely } from '@datenpool/db';
import { sql } from '@datenpool/db';
import * as batches from '../queries/batches.ts';
import { enqueueBatchRecompute } from '../queries/recompute-queue.ts';
import * as staging from '../queries/staging.ts';
import { type BatchOptions, type BatchResult, type Landing, reportNow, type Target } from './batch-record.ts';
import { enqueueWithheldChanges, evaluateDisclosure } from './disclosure.ts';

/** the merge of a batch of millions of rows may take minutes; ordinary statements keep the pool's timeout */
const MERGE_TIMEOUT_MS = 30 * 60_000;
const WARNINGS_MAX = 100;

/** a dry run's outcome, carried out of the transaction it rolls back */
class DryRunRollback extends Error {
  constructor(readonly outcome: batches.BatchOutcome) {
    super('dry run');
  }
}

export async function landBatch(
  db: Kysely<Database>,
  target: Target,
  options: Pick<BatchOptions, 'dryRun'>,
  landing: Landing,
  checksum: () => string | null,
): Promise<BatchResult> {
  const { id, counts, totalErrors, deliveredCoarse } = landing.record;
  const errors = [...landing.record.errors];
  if (landing.duplicatesStaged) await staging.dropDuplicates(db, id);
  try {
    return await db.transaction().execute(async (trx) => {
      // a large batch merges longer than an ordinary statement may take
      await sql`SELECT set_config('statement_timeout', ${String(MERGE_TIMEOUT_MS)}, true)`.execute(trx);
      const merged = await staging.mergeStaged(trx, id, target.variable.id, target.lorVersion);
      // the landed groups' withheld cells, in the landing transaction (fail-closed: what is not evaluated is not published)
      const disclosure = await evaluateDisclosure(trx, target.variable.id);
      const warnings = target.variable.aggregation === 'sum' && deliveredCoarse ? await rollUpWarnings(trx, id, target) : [];
      const outcome: batches.BatchOutcome = {
        status: landing.status, checksum: checksum(), ...counts, revised: merged.revised, unchanged: merged.staged - merged.inserted,
        errors, warnings, result: null,
      };
      if (options.dryRun) throw new DryRunRollback(outcome);
      await batches.finishBatch(trx, id, outcome);
      // the indicators' outbox entry lands with the observations: the recompute consumes exactly what changed
      const years = await enqueueBatchRecompute(trx, id, target.variable.id, target.lorVersion);
      // and whatever else this landing's evaluation changed the withheld cells of: the other version's units both
      // versions share, and dates of the variable that were pending before
      await enqueueWithheldChanges(trx, disclosure, { variable: target.variable.id, version: target.lorVersion, years });
      // and the answer with them: a concurrent replay of the Idempotency-Key sees the batch running or this answer
      return storeAnswer(trx, id, 201, totalErrors);
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
    await batches.finishBatch(db, id, err.outcome);
    return storeAnswer(db, id, 200, totalErrors);
  }
}

/** delivered sums of coarser units that their Planungsräume do not add up to */
async function rollUpWarnings(trx: Kysely<Database>, id: string, target: Target) {
  const disagreements = await staging.rollUpDisagreements(trx, id, target.variable.id, target.lorVersion, WARNINGS_MAX);
  return disagreements.map((d) => ({
    code: 'roll-up-disagrees',
    message: `Unit ${d.unit_id} on ${d.ref_date}${d.breakdown ? ` (${d.breakdown})` : ''}: delivered ${d.delivered}, its Planungsräume add up to ${d.rolled_up}.`,
    unit: d.unit_id,
    date: d.ref_date,
    breakdown: d.breakdown,
    delivered: d.delivered,
    rolledUp: d.rolled_up,
  }));
}

/** the answer of a landed batch (its report as the database now holds it), stored for Idempotency-Key replays */
async function storeAnswer(db: Kysely<Database>, id: string, statusCode: 200 | 201, totalErrors: number): Promise<BatchResult> {
  const report = await reportNow(db, id);
  const result: BatchResult = { statusCode, totalErrors, body: { ...report, totalErrors } };
  await batches.storeResult(db, id, result);
  return result;
}
