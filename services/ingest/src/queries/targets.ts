// What a push is validated against: the variable, the LOR version and its units.
import type { Database, Kysely } from '@datenpool/db';

export async function findVariable(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('variable')
    .select(['id', 'agency_id', 'status', 'value_kind', 'unit', 'aggregation', 'finest_level', 'reference_date', 'breakdowns', 'access'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function lorVersionExists(db: Kysely<Database>, version: string): Promise<boolean> {
  return !!(await db.selectFrom('lor_version').select('version').where('version', '=', version).executeTakeFirst());
}

/** unit id → level for every unit of the version (a few hundred rows, held for one batch) */
export async function unitsOfVersion(db: Kysely<Database>, version: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('lor_unit').select(['id', 'level']).where('version', '=', version).execute();
  return new Map(rows.map((r) => [r.id, r.level]));
}
