// Facility points (Kitas, schools, youth centres) kept with their properties, and the LOR unit each lies in per
// version: the OGC collections serve them, the counts per unit come from the same join. A dataset is replaced as a
// whole by each landed delivery (the facilities pipeline); the counts keep their revisions in observation.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE facility_dataset (
    id text PRIMARY KEY,
    title text NOT NULL,
    description text NOT NULL,
    agency_id text NOT NULL REFERENCES agency (id),
    reference_date date NOT NULL,
    source text NOT NULL,
    licence text NOT NULL,
    features integer NOT NULL,
    batch_id uuid,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`CREATE TABLE facility (
    dataset text NOT NULL REFERENCES facility_dataset (id) ON DELETE CASCADE,
    id text NOT NULL,
    name text,
    places integer,
    schulart text,
    traeger text,
    properties jsonb NOT NULL,
    geom geometry(Point, 25833) NOT NULL,
    PRIMARY KEY (dataset, id)
  )`.execute(db);
  await sql`CREATE INDEX facility_geom_idx ON facility USING gist (geom)`.execute(db);
  // one row per facility and LOR version: the finest unit with geometry of that version containing the point
  await sql`CREATE TABLE facility_lor_unit (
    dataset text NOT NULL,
    facility_id text NOT NULL,
    lor_version text NOT NULL REFERENCES lor_version (version),
    level text NOT NULL,
    unit_id text NOT NULL,
    PRIMARY KEY (dataset, facility_id, lor_version),
    FOREIGN KEY (dataset, facility_id) REFERENCES facility (dataset, id) ON DELETE CASCADE
  )`.execute(db);
  await sql`CREATE INDEX facility_lor_unit_unit_idx ON facility_lor_unit (lor_version, unit_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE facility_lor_unit`.execute(db);
  await sql`DROP TABLE facility`.execute(db);
  await sql`DROP TABLE facility_dataset`.execute(db);
}
