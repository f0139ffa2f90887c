// The one batch pipeline every way in uses (HTTP push, facilities, harvest, bootstrap).
import { randomUUID } from 'node:crypto';
import { type Database, type Kysely, sql } from '@datenpool/db';
import { BadRequest, Conflict, Forbidden, HttpProblem, NotFound, PayloadTooLarge, type RowError, Unprocessable } from '@datenpool/service-kit';
import * as batches from '../queries/batches.ts';
import { enqueueBatchRecompute } from '../queries/recompute-queue.ts';
import * as staging from '../queries/staging.ts';
import { findVariable, lorVersionExists, unitsOfVersion } from '../queries/targets.ts';
import type { BatchReport } from '../schemas.ts';
import { evaluateDisclosure } from './disclosure.ts';
import { MalformedBody, type RawRow, type StagedRow } from './rows.ts';
import { makeValidator, type VariableRules } from './validate.ts';

export const MAX_REPORTED_ERRORS = 1000;
/** the merge of a batch of millions of rows may take minutes; ordinary statements keep the pool's timeout */
const MERGE_TIMEOUT_MS = 30 * 60_000;
const CHUNK_ROWS = 10_000;

/** who writes: an API key's principal, or the system (bootstrap, scheduled harvest) */
export interface Actor {
  keyId: string | null;
  agencyId: string | null;
  admin: boolean;
}

export const systemActor: Actor = { keyId: null, agencyId: null, admin: true };

export interface Target {
  variable: VariableRules & { agency_id: string };
  lorVersion: string;
  units: Map<string, string>;
}

export interface BatchOptions {
  mode: 'atomic' | 'partial';
  dryRun: boolean;
  decimalComma: boolean;
  contentType: string;
  idempotencyKey: string | null;
  sourceId: string | null;
}

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

export function reportOf(row: batches.BatchRow): BatchReport {
  const result = row.result as { totalErrors?: number } | null;
  const errors = (row.errors ?? []) as unknown as BatchReport['errors'];
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: row.id,
    variable: row.variable_id,
    lorVersion: row.lor_version,
    agency: row.agency_id,
    source: row.source_id,
    status: row.status,
    mode: row.mode,
    dryRun: row.dry_run,
    contentType: row.content_type,
    checksum: row.checksum,
    rows: {
      total: row.rows_total,
      valid: row.rows_valid,
      invalid: row.rows_invalid,
      new: Math.max(0, (row.rows_valid) - (row.rows_revised) - (row.rows_unchanged)),
      revised: row.rows_revised,
      unchanged: row.rows_unchanged,
    },
    errors,
    totalErrors: result?.totalErrors ?? errors.length,
    warnings: (row.warnings ?? []) as unknown as BatchReport['warnings'],
    startedAt: iso(row.started_at)!,
    finishedAt: iso(row.finished_at),
  };
}

/** what the HTTP layer answers, stored for Idempotency-Key replays */
export interface BatchResult {
  statusCode: number;
  totalErrors: number;
  /** the report of a landed batch (2xx) */
  body: Record<string, unknown>;
  /** the problem of a refused batch (4xx), rethrown as it was on replay */
  problem?: { kind: string; title: string; detail: string; extensions: Record<string, unknown> };
}

export function problemOf(result: BatchResult): HttpProblem {
  const p = result.problem!;
  return new HttpProblem(result.statusCode, p.kind, p.title, p.detail, p.extensions);
}

class DryRunRollback extends Error {}

export async function runBatch(
  db: Kysely<Database>,
  target: Target,
  options: BatchOptions,
  actor: Actor,
  rows: AsyncIterable<RawRow> | Iterable<RawRow>,
  checksum: () => string | null,
): Promise<BatchResult> {
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

  const validate = makeValidator({ variable: target.variable, units: target.units, decimalComma: options.decimalComma });
  const errors: RowError[] = [];
  let totalErrors = 0;
  const counts = { total: 0, valid: 0, invalid: 0 };
  let chunk: StagedRow[] = [];
  let deliveredCoarse = false;
  const flush = async () => {
    // staged even once an atomic batch has an invalid row: duplicate keys are found in the staged rows
    await staging.stageChunk(db, id, chunk);
    chunk = [];
    await batches.updateProgress(db, id, counts);
  };
  const addErrors = (list: RowError[]) => {
    totalErrors += list.length;
    for (const e of list) if (errors.length < MAX_REPORTED_ERRORS) errors.push(e);
  };

  const finishRejected = async (problem: HttpProblem): Promise<never> => {
    // the outcome and the answer a replay gives land together: a replay never finds a finished batch without one
    const result = await db.transaction().execute(async (trx) => {
      await batches.finishBatch(trx, id, {
        status: 'rejected', checksum: checksum(), ...counts, revised: 0, unchanged: 0,
        errors, warnings: [], result: { totalErrors },
      });
      const batch = reportOf((await batches.getBatch(trx, id))!);
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
    clearLater(db, id);
    throw problemOf(result);
  };

  try {
    for await (const raw of rows) {
      counts.total++;
      const checked = validate(raw);
      if (Array.isArray(checked)) {
        counts.invalid++;
        addErrors(checked);
      } else {
        counts.valid++;
        if (checked.level !== 'planungsraum') deliveredCoarse = true;
        chunk.push(checked);
      }
      if (counts.total % CHUNK_ROWS === 0) await flush();
    }
    await flush();
  } catch (err) {
    if (err instanceof MalformedBody) {
      addErrors([{ row: counts.total + 1, field: 'body', code: 'malformed', message: err.message }]);
      return finishRejected(new HttpProblem(400, 'malformed-body', 'Malformed body', err.message));
    }
    if (err instanceof PayloadTooLarge) {
      addErrors([{ row: counts.total + 1, field: 'body', code: 'too-large', message: err.message }]);
      return finishRejected(err);
    }
    await failBatch(db, id, err);
    throw err;
  }

  try {
    if (counts.total === 0) {
      return await finishRejected(new HttpProblem(400, 'malformed-body', 'Malformed body', 'The body holds no observations.'));
    }
    // one staged row cannot repeat a key: a one-row push skips the look (a round trip, on PGlite behind every other)
    const dups = counts.valid > 1 ? await staging.findDuplicates(db, id, MAX_REPORTED_ERRORS) : { groups: [], extraRows: 0 };
    for (const group of dups.groups) {
      addErrors(group.rows.slice(1).map((row) => ({ row, field: 'unit', code: 'duplicate-key', message: `Same unit, date and breakdown as row ${group.rows[0]}.` })));
    }
    if (dups.extraRows > 0) {
      totalErrors += dups.extraRows - dups.groups.reduce((n, g) => n + g.rows.length - 1, 0);
      counts.invalid += dups.extraRows;
      counts.valid -= dups.extraRows;
    }
    const status = counts.invalid === 0 ? 'accepted' : options.mode === 'partial' && counts.valid > 0 ? 'partial' : 'rejected';
    if (status === 'rejected') {
      return await finishRejected(new Unprocessable(
        `${counts.invalid} of ${counts.total} rows are invalid; ${options.mode === 'atomic' ? 'the batch is atomic, so nothing was stored' : 'no valid row remains'}.`,
      ));
    }
    if (dups.extraRows > 0) await staging.dropDuplicates(db, id);

    let outcome: batches.BatchOutcome | undefined;
    let result: BatchResult | undefined;
    try {
      result = await db.transaction().execute(async (trx) => {
        // a large batch merges longer than an ordinary statement may take
        await sql`SELECT set_config('statement_timeout', ${String(MERGE_TIMEOUT_MS)}, true)`.execute(trx);
        const merged = await staging.mergeStaged(trx, id, target.variable.id, target.lorVersion);
        // the landed groups' withheld cells, in the landing transaction (fail-closed: what is not evaluated is not published)
        await evaluateDisclosure(trx, target.variable.id);
        const warnings =
          target.variable.aggregation === 'sum' && deliveredCoarse
            ? (await staging.rollUpDisagreements(trx, id, target.variable.id, target.lorVersion, 100)).map((d) => ({
                code: 'roll-up-disagrees',
                message: `Unit ${d.unit_id} on ${d.ref_date}${d.breakdown ? ` (${d.breakdown})` : ''}: delivered ${d.delivered}, its Planungsräume add up to ${d.rolled_up}.`,
                unit: d.unit_id,
                date: d.ref_date,
                breakdown: d.breakdown,
                delivered: d.delivered,
                rolledUp: d.rolled_up,
              }))
            : [];
        outcome = {
          status, checksum: checksum(), ...counts, revised: merged.revised, unchanged: merged.staged - merged.inserted,
          errors, warnings, result: null,
        };
        if (options.dryRun) throw new DryRunRollback();
        await batches.finishBatch(trx, id, outcome);
        // the indicators' outbox entry lands with the observations: the recompute consumes exactly what changed
        await enqueueBatchRecompute(trx, id, target.variable.id, target.lorVersion);
        // and the answer with them: a concurrent replay of the Idempotency-Key sees the batch running or this answer
        return storeAnswer(trx, id, 201, totalErrors);
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
      await batches.finishBatch(db, id, outcome!);
      result = await storeAnswer(db, id, 200, totalErrors);
    }
    clearLater(db, id);
    return result;
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    await failBatch(db, id, err);
    throw err;
  }
}

/** the answer of a landed batch (its report as the database now holds it), stored for Idempotency-Key replays */
async function storeAnswer(db: Kysely<Database>, id: string, statusCode: 200 | 201, totalErrors: number): Promise<BatchResult> {
  const report = reportOf((await batches.getBatch(db, id))!);
  const result: BatchResult = { statusCode, totalErrors, body: { ...report, totalErrors } };
  await batches.storeResult(db, id, result);
  return result;
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
