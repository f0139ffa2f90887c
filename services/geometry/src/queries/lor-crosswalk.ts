// SQL of the crosswalk read side: the 2006 ↔ 2021 weights of one direction and level, with the units' names.
import type { Database, Kysely } from '@datenpool/db';

/** a stored weight with the names of both units (null where a unit is not loaded) */
export type CrosswalkRow = Database['lor_crosswalk'] & { from_name: string | null; to_name: string | null };

export interface CrosswalkFilter {
  from: string;
  to: string;
  level: string;
  /** only the weights of this source unit */
  unit?: string;
}

/** the weights ordered by source and target id; names from lor_unit where the unit exists */
export async function crosswalkRows(db: Kysely<Database>, filter: CrosswalkFilter): Promise<CrosswalkRow[]> {
  let query = db
    .selectFrom('lor_crosswalk as c')
    .leftJoin('lor_unit as f', (j) =>
      j.onRef('f.version', '=', 'c.from_version').onRef('f.level', '=', 'c.level').onRef('f.id', '=', 'c.from_id'),
    )
    .leftJoin('lor_unit as t', (j) =>
      j.onRef('t.version', '=', 'c.to_version').onRef('t.level', '=', 'c.level').onRef('t.id', '=', 'c.to_id'),
    )
    .select([
      'c.from_version',
      'c.to_version',
      'c.level',
      'c.from_id',
      'f.name as from_name',
      'c.to_id',
      't.name as to_name',
      'c.weight',
      'c.overlap_m2',
      'c.share_of_from',
      'c.share_of_to',
      'c.method',
      'c.source',
    ])
    .where('c.from_version', '=', filter.from)
    .where('c.to_version', '=', filter.to)
    .where('c.level', '=', filter.level);
  if (filter.unit !== undefined) query = query.where('c.from_id', '=', filter.unit);
  return query.orderBy('c.from_id').orderBy('c.to_id').execute();
}
