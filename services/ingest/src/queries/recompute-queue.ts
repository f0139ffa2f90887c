// The indicators' outbox as ingestion writes it: what a landing batch changed, in the batch's own transaction.
import { type Database, type Kysely, sql } from '@datenpool/db';

/**
 * enqueues the variable, LOR version and reference years of the observation revisions the batch wrote, and returns
 * the years; called inside the transaction that lands them, so the entry becomes visible exactly when the
 * observations do (no clock involved)
 */
export async function enqueueBatchRecompute(trx: Kysely<Database>, batchId: string, variableId: string, lorVersion: string): Promise<number[]> {
  const result = await sql<{ ref_years: number[] }>`INSERT INTO indicator_recompute_queue (kind, variable_id, lor_version, ref_years, batch_id, reason)
    SELECT 'observations', ${variableId}, ${lorVersion}, array_agg(DISTINCT extract(year FROM o.ref_date)::int ORDER BY extract(year FROM o.ref_date)::int),
      ${batchId}::uuid, 'batch'
    FROM observation o WHERE o.batch_id = ${batchId}::uuid
    HAVING count(*) > 0
    RETURNING ref_years`.execute(trx);
  return result.rows[0]?.ref_years ?? [];
}

/**
 * enqueues the given reference years of a variable in one LOR version because what of it is withheld changed (a
 * threshold change evaluated later, or a landing in the other version): the indicators that read it are withheld
 * accordingly
 */
export async function enqueueWithheldRecompute(trx: Kysely<Database>, variableId: string, version: string, years: number[]): Promise<void> {
  if (years.length === 0) return;
  await sql`INSERT INTO indicator_recompute_queue (kind, variable_id, lor_version, ref_years, reason)
    VALUES ('observations', ${variableId}, ${version}, ${years}::int[], 'disclosure')`.execute(trx);
}
