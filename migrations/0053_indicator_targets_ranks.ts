// Target values with a history (who set them, when they were ended) and the rank of a value within its district.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('indicator_target')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text', (c) => c.notNull().defaultTo('system'))
    /** an ended target stays as history but no longer applies to any value */
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_by', 'text')
    .execute();
  // Berlin's scope is written as its unit id `0`, like every other scope (a Bezirk id); `berlin` stays readable
  await sql`UPDATE indicator_target SET scope = '0' WHERE scope = 'berlin'`.execute(db);
  await sql`ALTER TABLE indicator_target ADD CONSTRAINT indicator_target_scope_check
    CHECK (scope = 'berlin' OR scope ~ '^(0|0[1-9]|1[0-2])$')`.execute(db);
  await sql`ALTER TABLE indicator_target ADD CONSTRAINT indicator_target_period_check CHECK (period_from <= period_to)`.execute(db);
  await sql`CREATE INDEX indicator_target_indicator_idx ON indicator_target (indicator_id) WHERE ended_at IS NULL`.execute(db);
  /** rank within the unit's district at its level (1 = highest value); rank stays the rank within Berlin */
  await db.schema.alterTable('indicator_value').addColumn('rank_district', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('indicator_value').dropColumn('rank_district').execute();
  await sql`DROP INDEX IF EXISTS indicator_target_indicator_idx`.execute(db);
  await sql`ALTER TABLE indicator_target DROP CONSTRAINT IF EXISTS indicator_target_period_check`.execute(db);
  await sql`ALTER TABLE indicator_target DROP CONSTRAINT IF EXISTS indicator_target_scope_check`.execute(db);
  await sql`UPDATE indicator_target SET scope = 'berlin' WHERE scope = '0'`.execute(db);
  await db.schema
    .alterTable('indicator_target')
    .dropColumn('ended_by')
    .dropColumn('ended_at')
    .dropColumn('created_by')
    .dropColumn('created_at')
    .execute();
}
