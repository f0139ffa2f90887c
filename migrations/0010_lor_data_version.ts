// LOR data version: lor_version.updated_at moves on every change of its units (ETag, Last-Modified).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE lor_version ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`.execute(db);
  // one statement-level trigger per event: transition tables allow a single event per trigger
  await sql`CREATE FUNCTION lor_version_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE lor_version SET updated_at = clock_timestamp()
      WHERE version IN (SELECT DISTINCT version FROM changed_units);
      RETURN NULL;
    END $$`.execute(db);
  for (const event of ['INSERT', 'UPDATE', 'DELETE'] as const) {
    const table = event === 'DELETE' ? sql`OLD TABLE` : sql`NEW TABLE`;
    await sql`CREATE TRIGGER ${sql.raw(`lor_unit_touch_${event.toLowerCase()}`)} AFTER ${sql.raw(event)} ON lor_unit
      REFERENCING ${table} AS changed_units FOR EACH STATEMENT EXECUTE FUNCTION lor_version_touch()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const event of ['insert', 'update', 'delete']) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`lor_unit_touch_${event}`)} ON lor_unit`.execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS lor_version_touch()`.execute(db);
  await sql`ALTER TABLE lor_version DROP COLUMN updated_at`.execute(db);
}
