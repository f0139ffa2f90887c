// The recompute queue (outbox, migration 0054): claiming and consuming entries, the last recompute, freshness and status.
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

export interface Freshness {
  /** when the last recompute committed; null before the first one */
  computedAt: Date | null;
  /** queued entries not yet consumed */
  pending: number;
}

/** one cheap round trip for the freshness fields and headers of every indicator answer */
export async function freshness(db: Kysely<Database>): Promise<Freshness> {
  const { rows } = await sql<{ computed_at: Date | null; pending: number }>`SELECT
      (SELECT finished_at FROM indicator_recompute_state WHERE id = 'values') AS computed_at,
      (SELECT count(*) FROM indicator_recompute_queue)::int AS pending`.execute(db);
  return { computedAt: rows[0]?.computed_at ? new Date(rows[0].computed_at) : null, pending: rows[0]?.pending ?? 0 };
}

export async function lastRecompute(db: Kysely<Database>) {
  return db.selectFrom('indicator_recompute_state').selectAll().where('id', '=', 'values').executeTakeFirst();
}

export interface PendingSummary {
  entries: number;
  full: number;
  indicators: number;
  observations: number;
  oldestEnqueuedAt: Date | null;
}

export async function pendingSummary(db: Kysely<Database>): Promise<PendingSummary> {
  const { rows } = await sql<{ entries: number; full: number; indicators: number; observations: number; oldest: Date | null }>`SELECT
      count(*)::int AS entries, count(*) FILTER (WHERE kind = 'full')::int AS full,
      count(*) FILTER (WHERE kind = 'indicator')::int AS indicators, count(*) FILTER (WHERE kind = 'observations')::int AS observations,
      min(enqueued_at) AS oldest
    FROM indicator_recompute_queue`.execute(db);
  const r = rows[0];
  return {
    entries: r?.entries ?? 0,
    full: r?.full ?? 0,
    indicators: r?.indicators ?? 0,
    observations: r?.observations ?? 0,
    oldestEnqueuedAt: r?.oldest ? new Date(r.oldest) : null,
  };
}

/** recomputes running now, in any process: connections whose application_name says so (set for the recompute's duration) */
export async function runningRecomputes(db: Kysely<Database>): Promise<Array<{ pid: number; what: string; since: Date | null }>> {
  const { rows } = await sql<{ pid: number; what: string; since: Date | null }>`SELECT pid,
      substr(application_name, ${RECOMPUTE_APPLICATION.length + 2}) AS what, coalesce(xact_start, query_start) AS since
    FROM pg_stat_activity
    WHERE application_name LIKE ${`${RECOMPUTE_APPLICATION}%`} AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'
    ORDER BY pid`.execute(db);
  return rows.map((r) => ({ pid: r.pid, what: r.what, since: r.since ? new Date(r.since) : null }));
}

/** names the connection's recompute (or clears it) for the status report; session-wide, set on a reserved connection */
export async function labelConnection(db: Kysely<Database>, what: string | null): Promise<void> {
  if (what === null) await sql`RESET application_name`.execute(db);
  else await sql`SELECT set_config('application_name', ${`${RECOMPUTE_APPLICATION} ${what}`.slice(0, 63)}, false)`.execute(db);
}
