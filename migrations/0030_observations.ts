// Ingestion: batches and observations kept as revisions (never overwritten).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ingest_batch')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('variable_id', 'text', (c) => c.references('variable.id'))
    .addColumn('lor_version', 'text')
    .addColumn('agency_id', 'text')
    .addColumn('key_id', 'uuid')
    .addColumn('source_id', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('checksum', 'text')
    .addColumn('content_type', 'text')
    .addColumn('mode', 'text', (c) => c.notNull().defaultTo('atomic').check(sql`mode in ('atomic','partial')`))
    .addColumn('dry_run', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('running','accepted','partial','rejected','failed')`),
    )
    .addColumn('rows_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_valid', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_invalid', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_revised', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errors', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('result', 'jsonb')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`CREATE UNIQUE INDEX ingest_batch_idem_idx ON ingest_batch (key_id, variable_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL AND dry_run = false`.execute(db);

  await db.schema
    .createTable('observation')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('variable_id', 'text', (c) => c.notNull().references('variable.id'))
    .addColumn('lor_version', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'text', (c) => c.notNull())
    .addColumn('ref_date', 'date', (c) => c.notNull())
    /** canonical breakdown: `dim=code` pairs sorted by dim, joined with `;`; '' for the total */
    .addColumn('breakdown', 'text', (c) => c.notNull().defaultTo(''))
    /** null with deleted = true: a delete is a revision too */
    .addColumn('value', 'double precision')
    .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('final').check(sql`status in ('provisional','final','estimated')`),
    )
    .addColumn('batch_id', 'uuid', (c) => c.notNull().references('ingest_batch.id'))
    /** revision interval in transaction time: current while valid_to is null */
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('valid_to', 'timestamptz')
    .execute();
  await sql`CREATE UNIQUE INDEX observation_current_idx
    ON observation (variable_id, lor_version, unit_id, ref_date, breakdown) WHERE valid_to IS NULL`.execute(db);
  await sql`CREATE INDEX observation_key_idx
    ON observation (variable_id, lor_version, level, ref_date)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('observation').execute();
  await db.schema.dropTable('ingest_batch').execute();
}
