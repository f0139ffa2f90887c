// Ingestion staging: validated rows of a running batch, merged into observation in one transaction.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // unlogged: rows here are transient; a crash loses them and the batch is marked failed at start
  await sql`CREATE UNLOGGED TABLE ingest_staging (
    batch_id uuid NOT NULL,
    row_no integer NOT NULL,
    unit_id text NOT NULL,
    level text NOT NULL,
    ref_date date NOT NULL,
    breakdown text NOT NULL,
    value double precision,
    deleted boolean NOT NULL,
    status text NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX ingest_staging_batch_idx ON ingest_staging (batch_id, unit_id, ref_date, breakdown)`.execute(db);
  await sql`CREATE INDEX ingest_batch_variable_idx ON ingest_batch (variable_id, started_at DESC)`.execute(db);
  await sql`CREATE INDEX ingest_batch_finished_idx ON ingest_batch (finished_at) WHERE status IN ('accepted','partial')`.execute(db);
  await sql`CREATE INDEX observation_batch_idx ON observation (batch_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS observation_batch_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS ingest_batch_finished_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS ingest_batch_variable_idx`.execute(db);
  await sql`DROP TABLE ingest_staging`.execute(db);
}
