// Which observation revisions a read sees: the current one of every key, through the view observation_current
// (migration 0060), or those valid at an instant of transaction time (valid_from ≤ t < valid_to). Deletions are
// revisions too (deleted = true): each reader says whether it wants them.
import { type RawBuilder, sql } from 'kysely';

export interface ObservationRevisions {
  /** the relation, aliased o */
  from: RawBuilder<unknown>;
  /** the condition on o that picks the revisions (true for the current ones: the view picked them) */
  where: RawBuilder<unknown>;
}

/** `FROM ${from} WHERE ${where}`: the revisions valid now (`asOf` null) or at `asOf` */
export function observationRevisionsAt(asOf: Date | string | null | undefined): ObservationRevisions {
  if (asOf === null || asOf === undefined) return { from: sql`observation_current o`, where: sql`true` };
  return { from: sql`observation o`, where: sql`o.valid_from <= ${asOf}::timestamptz AND (o.valid_to IS NULL OR o.valid_to > ${asOf}::timestamptz)` };
}
