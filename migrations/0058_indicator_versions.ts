// Indicator versions: a change of formula, inputs or thresholds of an active indicator is a new version with its
// validity period, so values computed as of an earlier time use the definition valid then; indicators get an owner agency.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('indicator')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    /** the agency that defined the indicator and may change it; null: the statistics office (only admin or a key of no agency) */
    .addColumn('agency_id', 'text', (c) => c.references('agency.id'))
    .execute();
  await sql`UPDATE indicator SET valid_from = created_at`.execute(db);

  await db.schema
    .createTable('indicator_version')
    .addColumn('indicator_id', 'text', (c) => c.notNull().references('indicator.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('formula', 'jsonb', (c) => c.notNull())
    .addColumn('min_base', 'integer', (c) => c.notNull())
    .addColumn('lowest_level', 'text', (c) => c.notNull())
    /** when this definition took effect; the first version also explains every value computed before it */
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
    /** when the next version replaced it; null for the version in force */
    .addColumn('valid_to', 'timestamptz')
    .addColumn('created_by', 'text', (c) => c.notNull().defaultTo('system'))
    .addPrimaryKeyConstraint('indicator_version_pkey', ['indicator_id', 'version'])
    .execute();
  await sql`ALTER TABLE indicator_version ADD CONSTRAINT indicator_version_period_check CHECK (valid_to IS NULL OR valid_from <= valid_to)`.execute(db);
  await sql`CREATE UNIQUE INDEX indicator_version_current_idx ON indicator_version (indicator_id) WHERE valid_to IS NULL`.execute(db);
  await sql`INSERT INTO indicator_version (indicator_id, version, formula, min_base, lowest_level, valid_from, created_by)
    SELECT id, version, formula, min_base, lowest_level, created_at, 'migration' FROM indicator`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('indicator_version').execute();
  await db.schema.alterTable('indicator').dropColumn('agency_id').dropColumn('valid_from').dropColumn('version').execute();
}
