// How fresh an indicator answer is: `computedAt` in the body, `Datenpool-Computed-At` and `Datenpool-Pending` as headers.
import type { Database, Kysely } from '@datenpool/db';
import { type Freshness, freshness } from './queries/queue.ts';

export const COMPUTED_AT_HEADER = 'datenpool-computed-at';
export const PENDING_HEADER = 'datenpool-pending';

/**
 * the headers of an answer read from the materialisation (when its last recompute committed, how many changes are
 * queued behind it), or of one computed for the request (asOf: computed now, nothing pending for it)
 */
export function freshnessHeaders(f: Freshness | 'computed-now'): Record<string, string> {
  if (f === 'computed-now') return { [COMPUTED_AT_HEADER]: new Date().toISOString() };
  return { ...(f.computedAt ? { [COMPUTED_AT_HEADER]: f.computedAt.toISOString() } : {}), [PENDING_HEADER]: String(f.pending) };
}

interface HeaderReply {
  headers(values: Record<string, string>): unknown;
}

/** reads the freshness, sets its headers on the reply and returns `computedAt` for the body (null: never computed) */
export async function answerFreshness(reply: HeaderReply, db: Kysely<Database>, computedNow = false): Promise<string | null> {
  if (computedNow) {
    const headers = freshnessHeaders('computed-now');
    reply.headers(headers);
    return headers[COMPUTED_AT_HEADER] ?? null;
  }
  const f = await freshness(db);
  reply.headers(freshnessHeaders(f));
  return f.computedAt?.toISOString() ?? null;
}
