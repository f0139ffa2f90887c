// Indicator value keys compare bytewise: ids, codes and breakdowns are ASCII, and a recompute writes a million rows
// whose primary-key insertions otherwise go through the locale's collation (several times slower).
import { type Kysely, sql } from 'kysely';

const KEYS = ['indicator_id', 'lor_version', 'level', 'unit_id', 'breakdown'];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of KEYS) {
    await sql`ALTER TABLE indicator_value ALTER COLUMN ${sql.ref(column)} TYPE text COLLATE "C"`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of KEYS) {
    await sql`ALTER TABLE indicator_value ALTER COLUMN ${sql.ref(column)} TYPE text COLLATE "default"`.execute(db);
  }
}
