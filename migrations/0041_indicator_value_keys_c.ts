// Indicator value keys for a fast recompute. Ids, codes and breakdowns are ASCII and compare bytewise (COLLATE "C"):
// a recompute writes a million rows whose primary-key insertions otherwise go through the locale's collation, several
// times slower. The primary key leads with (indicator, version, date): an incremental recompute reads and replaces the
// values of a few years of an indicator, which the old order (level and unit before the date) made a scan of all years.
import { type Kysely, sql } from 'kysely';

const KEYS = ['indicator_id', 'lor_version', 'level', 'unit_id', 'breakdown'];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE indicator_value DROP CONSTRAINT indicator_value_pk`.execute(db);
  for (const column of KEYS) {
    await sql`ALTER TABLE indicator_value ALTER COLUMN ${sql.ref(column)} TYPE text COLLATE "C"`.execute(db);
  }
  await sql`ALTER TABLE indicator_value ADD CONSTRAINT indicator_value_pk
    PRIMARY KEY (indicator_id, lor_version, ref_date, level, unit_id, breakdown)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE indicator_value DROP CONSTRAINT indicator_value_pk`.execute(db);
  for (const column of KEYS) {
    await sql`ALTER TABLE indicator_value ALTER COLUMN ${sql.ref(column)} TYPE text COLLATE "default"`.execute(db);
  }
  await sql`ALTER TABLE indicator_value ADD CONSTRAINT indicator_value_pk
    PRIMARY KEY (indicator_id, lor_version, level, unit_id, ref_date, breakdown)`.execute(db);
}
