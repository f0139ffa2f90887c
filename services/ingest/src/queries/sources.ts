// Referenced sources as ingestion sees them: what to fetch, and the outcome of the last harvest.
import { type Database, type Kysely, sql } from '@datenpool/db';

export async function getSource(db: Kysely<Database>, id: string) {
  return db.selectFrom('referenced_source').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function recordHarvest(db: Kysely<Database>, id: string, status: string): Promise<void> {
  await db
    .updateTable('referenced_source')
    .set({ last_status: status.slice(0, 500), last_harvest_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** enabled sources with a schedule; the scheduler decides which are due */
export async function scheduledSources(db: Kysely<Database>) {
  return db
    .selectFrom('referenced_source')
    .select(['id', 'schedule', 'last_harvest_at'])
    .where('enabled', '=', true)
    .where('schedule', 'is not', null)
    .execute();
}
