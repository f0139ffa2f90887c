// Target values of indicators: list (active or with history), insert, find an overlapping active one, end.
import type { Database, Kysely, Selectable } from '@datenpool/db';

export interface TargetRecord {
  id: number;
  indicatorId: string;
  /** `0` for Berlin or a Bezirk id `01` … `12` */
  scope: string;
  periodFrom: string;
  periodTo: string;
  targetValue: number;
  note: string;
  createdAt: string;
  createdBy: string;
  endedAt: string | null;
  endedBy: string | null;
}

type Row = Selectable<Database['indicator_target']>;

const dateText = (d: unknown): string => (d instanceof Date ? d.toISOString().slice(0, 10) : String(d).slice(0, 10));

function toRecord(r: Row): TargetRecord {
  return {
    id: r.id,
    indicatorId: r.indicator_id,
    scope: r.scope === 'berlin' ? '0' : r.scope,
    periodFrom: dateText(r.period_from),
    periodTo: dateText(r.period_to),
    targetValue: r.target_value,
    note: r.note,
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    endedAt: r.ended_at ? new Date(r.ended_at).toISOString() : null,
    endedBy: r.ended_by,
  };
}

/** the scope as stored rows may spell it (old rows say `berlin` for `0`) */
const storedScopes = (scope: string): string[] => (scope === '0' ? ['0', 'berlin'] : [scope]);

export async function listTargets(
  db: Kysely<Database>,
  indicatorId: string,
  filter: { scope?: string | undefined; includeEnded: boolean },
): Promise<TargetRecord[]> {
  let q = db.selectFrom('indicator_target').selectAll().where('indicator_id', '=', indicatorId);
  if (filter.scope !== undefined) q = q.where('scope', 'in', storedScopes(filter.scope));
  if (!filter.includeEnded) q = q.where('ended_at', 'is', null);
  const rows = await q.orderBy('scope').orderBy('period_from').orderBy('id').execute();
  return rows.map(toRecord);
}

export async function getTarget(db: Kysely<Database>, indicatorId: string, id: number): Promise<TargetRecord | undefined> {
  const row = await db.selectFrom('indicator_target').selectAll().where('indicator_id', '=', indicatorId).where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** an active target of the same indicator and scope whose period shares a day with [from, to] */
export async function overlappingTarget(
  db: Kysely<Database>,
  t: { indicatorId: string; scope: string; periodFrom: string; periodTo: string },
): Promise<TargetRecord | undefined> {
  const row = await db
    .selectFrom('indicator_target')
    .selectAll()
    .where('indicator_id', '=', t.indicatorId)
    .where('scope', 'in', storedScopes(t.scope))
    .where('ended_at', 'is', null)
    .where('period_from', '<=', t.periodTo)
    .where('period_to', '>=', t.periodFrom)
    .orderBy('id')
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

export async function insertTarget(
  db: Kysely<Database>,
  t: { indicatorId: string; scope: string; periodFrom: string; periodTo: string; targetValue: number; note: string; createdBy: string },
): Promise<TargetRecord> {
  const row = await db
    .insertInto('indicator_target')
    .values({
      indicator_id: t.indicatorId,
      scope: t.scope,
      period_from: t.periodFrom,
      period_to: t.periodTo,
      target_value: t.targetValue,
      note: t.note,
      created_by: t.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** ends an active target; undefined when it was already ended */
export async function endTarget(db: Kysely<Database>, indicatorId: string, id: number, endedBy: string): Promise<TargetRecord | undefined> {
  const row = await db
    .updateTable('indicator_target')
    .set({ ended_at: new Date(), ended_by: endedBy })
    .where('indicator_id', '=', indicatorId)
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ? toRecord(row) : undefined;
}
