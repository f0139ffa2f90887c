// The one batch pipeline every way in uses (HTTP push, facilities, harvest, bootstrap): open, stage, verdict, then land
// or reject, each step handing the next the record it returns (batch-record.ts).
import { randomUUID } from 'node:crypto';
import type { Database, Kysely } from '@datenpool/db';
import { BadRequest, Conflict, Forbidden, NotFound } from '@datenpool/service-kit';
import * as batches from '../queries/batches.ts';
import * as staging from '../queries/staging.ts';
import { findVariable, lorVersionExists, unitsOfVersion } from '../queries/targets.ts';
import { landBatch } from './batch-land.ts';
import { type BatchOptions, type BatchResult, problemOf, type Target } from './batch-record.ts';
import { rejectBatch } from './batch-reject.ts';
import { stageRows } from './batch-stage.ts';
import { judgeBatch } from './batch-verdict.ts';
import type { RawRow } from './rows.ts';

export { type BatchOptions, type BatchResult, MAX_REPORTED_ERRORS, problemOf, reportOf, type Target } from './batch-record.ts';

/** who writes: an API key's principal, or the system (bootstrap, scheduled harvest) */
export interface Actor {
  keyId: string | null;
  agencyId: string | null;
  admin: boolean;
}

export const systemActor: Actor = { keyId: null, agencyId: null, admin: true };

/** the variable and units a push is checked against; 400/403/404/409 before any byte is read */
export async function resolveTarget(db: Kysely<Database>, variableId: string, lorVersion: string, actor: Actor): Promise<Target> {
  if (!(await lorVersionExists(db, lorVersion))) throw new BadRequest(`LOR version ${lorVersion} is unknown.`, { name: 'lorVersion' });
  const variable = await findVariable(db, variableId);
  if (!variable) throw new NotFound(`Variable ${variableId} does not exist.`);
  if (!actor.admin && actor.agencyId !== variable.agency_id) {
    throw new Forbidden(`Variable ${variableId} belongs to agency ${variable.agency_id}; this key may not write it.`);
  }
  if (variable.status !== 'active') throw new Conflict(`Variable ${variableId} is ${variable.status}; only active variables take data.`);
  return { variable: variable as Target['variable'], lorVersion, units: await unitsOfVersion(db, lorVersion) };
}

/**
 * Lands the rows as one batch: the answer (201, or 200 for a dry run) is returned, a refusal (400, 413, 422) thrown as
 * its problem; both are stored for Idempotency-Key replays. Anything else that goes wrong fails the batch and is thrown.
 */
export async function runBatch(
  db: Kysely<Database>,
  target: Target,
  options: BatchOptions,
  actor: Actor,
  rows: AsyncIterable<RawRow> | Iterable<RawRow>,
  checksum: () => string | null,
): Promise<BatchResult> {
  const id = await openBatch(db, target, options, actor);
  let result: BatchResult;
  try {
    const staged = await stageRows(db, id, target, options, rows);
    const verdict = staged.kind === 'staged' ? await judgeBatch(db, staged.record, options.mode) : staged;
    result = verdict.kind === 'land' ? await landBatch(db, target, options, verdict, checksum) : await rejectBatch(db, verdict, checksum);
  } catch (err) {
    await failBatch(db, id, err);
    throw err;
  }
  clearLater(db, id);
  if (result.problem) throw problemOf(result);
  return result;
}

/** the batch's row, running; a second batch with the same Idempotency-Key while one runs is a 409 */
async function openBatch(db: Kysely<Database>, target: Target, options: BatchOptions, actor: Actor): Promise<string> {
  const id = randomUUID();
  try {
    await batches.insertBatch(db, {
      id,
      variableId: target.variable.id,
      lorVersion: target.lorVersion,
      agencyId: actor.agencyId ?? target.variable.agency_id,
      keyId: actor.keyId,
      sourceId: options.sourceId,
      idempotencyKey: options.idempotencyKey,
      contentType: options.contentType,
      mode: options.mode,
      dryRun: options.dryRun,
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new Conflict('A batch with this Idempotency-Key is already running.');
    throw err;
  }
  return id;
}

/** staged rows of a landed batch are dropped after the answer; a start-up sweep catches any left over */
function clearLater(db: Kysely<Database>, id: string): void {
  staging.clearStaging(db, id).catch(() => {});
}

async function failBatch(db: Kysely<Database>, id: string, err: unknown): Promise<void> {
  try {
    // failed and its key released at once: a replay meanwhile finds no failed batch holding the key
    await db.transaction().execute(async (trx) => {
      await batches.finishBatch(trx, id, {
        status: 'failed', checksum: null, total: 0, valid: 0, invalid: 0, revised: 0, unchanged: 0,
        errors: [{ row: 0, field: 'batch', code: 'failed', message: (err as Error).message?.slice(0, 300) ?? 'failed' }],
        warnings: [], result: null,
      });
      await batches.releaseIdempotencyKey(trx, id);
    });
    await staging.clearStaging(db, id);
  } catch {
    // the database itself may be what failed; the start-up sweep marks the batch failed later
  }
}
