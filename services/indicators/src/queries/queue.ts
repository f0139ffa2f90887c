// The recompute's state as readers see it: the freshness of every indicator answer, the last recompute, what is queued
// and what runs now (the queue itself is the engine's: engine/queue.ts).
import { type Database, type Kysely, sql } from '@datenpool/db';
import { RECOMPUTE_APPLICATION } from '../engine/queue.ts';

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

/**
 * recomputes running now, in any process: connections to this database whose application_name says so (set for the
 * recompute's duration); another database of the same server (a test's, a bench's) has recomputes of its own
 */
export async function runningRecomputes(db: Kysely<Database>): Promise<Array<{ pid: number; what: string; since: Date | null }>> {
  const { rows } = await sql<{ pid: number; what: string; since: Date | null }>`SELECT pid,
      substr(application_name, ${RECOMPUTE_APPLICATION.length + 2}) AS what, coalesce(xact_start, query_start) AS since
    FROM pg_stat_activity
    WHERE datname = current_database() AND application_name LIKE ${`${RECOMPUTE_APPLICATION}%`} AND pid <> pg_backend_pid()
      AND state IS DISTINCT FROM 'idle'
    ORDER BY pid`.execute(db);
  return rows.map((r) => ({ pid: r.pid, what: r.what, since: r.since ? new Date(r.since) : null }));
}
