// SQL of the audit trail as the admin reads it: filtered by actor, action and time, newest first, paged by id.
import type { Database, Kysely } from '@datenpool/db';

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
  /** entries older than this id (the `next` cursor of the previous page) */
  before?: number;
  limit: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: unknown;
}

/** one page, newest first; one row more than asked shows whether there is a next page */
export async function listAudit(db: Kysely<Database>, filter: AuditFilter): Promise<{ entries: AuditEntry[]; more: boolean }> {
  let q = db.selectFrom('audit_log').select(['id', 'at', 'actor', 'action', 'target', 'detail']);
  if (filter.actor) q = q.where('actor', '=', filter.actor);
  if (filter.action) q = filter.action.endsWith('.*') ? q.where('action', 'like', `${filter.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`) : q.where('action', '=', filter.action);
  if (filter.target) q = q.where('target', '=', filter.target);
  if (filter.from) q = q.where('at', '>=', new Date(filter.from));
  if (filter.to) q = q.where('at', '<', new Date(filter.to));
  if (filter.before !== undefined) q = q.where('id', '<', filter.before);
  const rows = await q.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return {
    entries: rows.slice(0, filter.limit).map((r) => ({
      id: Number(r.id),
      at: new Date(r.at).toISOString(),
      actor: r.actor,
      action: r.action,
      target: r.target,
      detail: r.detail,
    })),
    more: rows.length > filter.limit,
  };
}
