// The recompute queue (outbox, migration 0054) as the engine uses it: peeking, claiming and consuming entries, recording
// the last recompute, naming the connection that recomputes.
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { Selectable } from 'kysely';

export type QueueEntry = Selectable<Database['indicator_recompute_queue']>;

/** the prefix of application_name a connection carries while it recomputes: what the status lists as running */
export const RECOMPUTE_APPLICATION = 'datenpool-recompute';

/** the oldest entries, without locking them (to decide between the incremental and the full path) */
export async function peekEntries(db: Kysely<Database>, limit: number): Promise<QueueEntry[]> {
  return db.selectFrom('indicator_recompute_queue').selectAll().orderBy('id').limit(limit).execute();
}

/**
 * locks the oldest entries for the rest of the transaction `trx`; entries another recompute holds are skipped, so
 * every entry is claimed by one recompute, and returns to the queue if that recompute does not commit
 */
export async function claimEntries(trx: Kysely<Database>, limit: number): Promise<QueueEntry[]> {
  return trx.selectFrom('indicator_recompute_queue').selectAll().orderBy('id').limit(limit).forUpdate().skipLocked().execute();
}

/** removes consumed entries (in the claiming transaction, or after the full recompute that covered them committed) */
export async function deleteEntries(db: Kysely<Database>, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await db.deleteFrom('indicator_recompute_queue').where('id', 'in', ids).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}

/**
 * how long ago (ms, by the database's clock) the newest and the oldest queued entries were enqueued; null when the
 * queue is empty. An entry carries its enqueuing transaction's start time.
 */
export async function queueAges(db: Kysely<Database>): Promise<{ newestMs: number; oldestMs: number } | null> {
  const { rows } = await sql<{ newest: number | null; oldest: number | null }>`SELECT
      (extract(epoch FROM clock_timestamp() - max(enqueued_at)) * 1000)::float8 AS newest,
      (extract(epoch FROM clock_timestamp() - min(enqueued_at)) * 1000)::float8 AS oldest
    FROM indicator_recompute_queue`.execute(db);
  const r = rows[0];
  return r?.newest == null || r.oldest == null ? null : { newestMs: Number(r.newest), oldestMs: Number(r.oldest) };
}

export async function enqueueFull(db: Kysely<Database>, reason: string): Promise<void> {
  await db.insertInto('indicator_recompute_queue').values({ kind: 'full', reason }).execute();
}

export interface RecomputeRecord {
  mode: string;
  entries: number;
  indicators: number;
  valuesWritten: number;
  valuesRemoved: number;
  seconds: number;
}

/** the last completed recompute; written in the recompute's transaction (or right after a full one) */
export async function recordRecompute(db: Kysely<Database>, r: RecomputeRecord): Promise<void> {
  const row = {
    mode: r.mode,
    entries: r.entries,
    indicators: r.indicators,
    values_written: r.valuesWritten,
    values_removed: r.valuesRemoved,
    seconds: r.seconds,
    finished_at: sql<Date>`clock_timestamp()`,
  };
  await db
    .insertInto('indicator_recompute_state')
    .values({ id: 'values', ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
}

/** names the connection's recompute (or clears it) for the status report; session-wide, set on a reserved connection */
export async function labelConnection(db: Kysely<Database>, what: string | null): Promise<void> {
  if (what === null) await sql`RESET application_name`.execute(db);
  else await sql`SELECT set_config('application_name', ${`${RECOMPUTE_APPLICATION} ${what}`.slice(0, 63)}, false)`.execute(db);
}
