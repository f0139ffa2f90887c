// The batch record: created when a push starts, progress while it runs, outcome when it lands.
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { Selectable } from 'kysely';

export type BatchRow = Selectable<Database['ingest_batch']>;
export type BatchStatus = 'running' | 'accepted' | 'partial' | 'rejected' | 'failed';

/** jsonb refuses \u0000; a client's text inside an error message must not turn a 4xx into a 500 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value).replaceAll('\\u0000', '\\ufffd');
}

export interface NewBatch {
  id: string;
  variableId: string;
  lorVersion: string;
  agencyId: string | null;
  keyId: string | null;
  sourceId: string | null;
  idempotencyKey: string | null;
  contentType: string;
  mode: 'atomic' | 'partial';
  dryRun: boolean;
}

export async function insertBatch(db: Kysely<Database>, b: NewBatch): Promise<void> {
  await db
    .insertInto('ingest_batch')
    .values({
      id: b.id,
      variable_id: b.variableId,
      lor_version: b.lorVersion,
      agency_id: b.agencyId,
      key_id: b.keyId,
      source_id: b.sourceId,
      idempotency_key: b.idempotencyKey,
      content_type: b.contentType,
      mode: b.mode,
      dry_run: b.dryRun,
      status: 'running',
      errors: '[]',
      warnings: '[]',
    })
    .execute();
}

export async function updateProgress(db: Kysely<Database>, id: string, counts: { total: number; valid: number; invalid: number }): Promise<void> {
  await db
    .updateTable('ingest_batch')
    .set({ rows_total: counts.total, rows_valid: counts.valid, rows_invalid: counts.invalid })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

export interface BatchOutcome {
  status: Exclude<BatchStatus, 'running'>;
  checksum: string | null;
  total: number;
  valid: number;
  invalid: number;
  revised: number;
  unchanged: number;
  errors: unknown[];
  warnings: unknown[];
  result: unknown;
}

/** sets the outcome and finished_at; called inside the transaction that wrote the observations */
export async function finishBatch(db: Kysely<Database>, id: string, o: BatchOutcome): Promise<void> {
  await db
    .updateTable('ingest_batch')
    .set({
      status: o.status,
      checksum: o.checksum,
      rows_total: o.total,
      rows_valid: o.valid,
      rows_invalid: o.invalid,
      rows_revised: o.revised,
      rows_unchanged: o.unchanged,
      errors: jsonText(o.errors),
      warnings: jsonText(o.warnings),
      result: o.result === null ? null : jsonText(o.result),
      finished_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .execute();
}

export async function storeResult(db: Kysely<Database>, id: string, result: unknown): Promise<void> {
  await db.updateTable('ingest_batch').set({ result: jsonText(result) }).where('id', '=', id).execute();
}

export async function getBatch(db: Kysely<Database>, id: string): Promise<BatchRow | undefined> {
  return db.selectFrom('ingest_batch').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listBatches(
  db: Kysely<Database>,
  filter: { variable?: string; status?: string; agencyId?: string | null; limit: number; offset: number },
): Promise<BatchRow[]> {
  let q = db.selectFrom('ingest_batch').selectAll();
  if (filter.variable) q = q.where('variable_id', '=', filter.variable);
  if (filter.status) q = q.where('status', '=', filter.status as BatchStatus);
  if (filter.agencyId !== undefined) q = q.where('agency_id', '=', filter.agencyId);
  return q.orderBy('started_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset).execute();
}

export async function findIdempotent(db: Kysely<Database>, keyId: string, variableId: string, key: string): Promise<BatchRow | undefined> {
  return db
    .selectFrom('ingest_batch')
    .selectAll()
    .where('key_id', '=', keyId)
    .where('variable_id', '=', variableId)
    .where('idempotency_key', '=', key)
    .where('dry_run', '=', false)
    .executeTakeFirst();
}

/** a failed attempt does not hold its key: the client may retry with it */
export async function releaseIdempotencyKey(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('ingest_batch').set({ idempotency_key: null }).where('id', '=', id).execute();
}

/**
 * At start: batches still 'running' belong to a process that died (one ingest writer per
 * database is assumed); they are marked failed and their staged rows dropped.
 */
export async function failOrphanedBatches(db: Kysely<Database>): Promise<number> {
  // one transaction: nobody sees a batch failed while its staged rows are still there (the clean-up of 60 000 rows
  // took long enough that a reader saw the one without the other)
  return db.transaction().execute(async (trx) => {
    const failed = await trx
      .updateTable('ingest_batch')
      .set({
        status: 'failed',
        idempotency_key: null,
        warnings: jsonText([{ code: 'interrupted', message: 'The process ended before the batch landed; nothing of it was stored.' }]),
        finished_at: sql<Date>`now()`,
      })
      .where('status', '=', 'running')
      .returning('id')
      .execute();
    await sql`DELETE FROM ingest_staging s WHERE NOT EXISTS
      (SELECT 1 FROM ingest_batch b WHERE b.id = s.batch_id AND b.status = 'running')`.execute(trx);
    return failed.length;
  });
}
