// Indicator results: materialised values with reference values and provenance, the recompute watermark, breakdown helpers.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('indicator_value')
    .addColumn('indicator_id', 'text', (c) => c.notNull())
    .addColumn('lor_version', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'text', (c) => c.notNull())
    /** always 31 December of the reference year: inputs are matched by year */
    .addColumn('ref_date', 'date', (c) => c.notNull())
    /** canonical breakdown (`dim=code;…`, '' for the total), SDMX-ready as its own dimension */
    .addColumn('breakdown', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision')
    /** kept for roll-up checks and secondary suppression; withheld by the API where suppressed */
    .addColumn('numerator', 'double precision')
    .addColumn('denominator', 'double precision')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('ok','suppressed','provisional','estimated')`),
    )
    /** why a value is suppressed: min_base, disclosure or secondary */
    .addColumn('suppression', 'text')
    .addColumn('berlin', 'double precision')
    .addColumn('district', 'double precision')
    .addColumn('rank', 'integer')
    .addColumn('percentile', 'double precision')
    .addColumn('change_1y', 'double precision')
    .addColumn('change_ny', 'double precision')
    .addColumn('target', 'double precision')
    .addColumn('target_distance', 'double precision')
    /** index kinds: class of the summed z-score, dynamics (summed z-scores of changes) and its class */
    .addColumn('class', 'integer')
    .addColumn('class_label', 'text')
    .addColumn('dynamics', 'double precision')
    .addColumn('dynamics_class', 'integer')
    .addColumn('provenance', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('indicator_value_pk', ['indicator_id', 'lor_version', 'level', 'unit_id', 'ref_date', 'breakdown'])
    .execute();
  await sql`CREATE INDEX indicator_value_unit_idx ON indicator_value (lor_version, unit_id, ref_date)`.execute(db);

  await db.schema
    .createTable('indicator_watermark')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** finished_at of the newest landed batch the materialisation reflects */
    .addColumn('batch_finished_at', 'timestamptz')
    .addColumn('batch_id', 'uuid')
    /** md5 of the indicator definitions and targets: a change triggers a full recompute */
    .addColumn('catalog_hash', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // the incremental recompute looks up what a landed batch changed
  await sql`CREATE INDEX IF NOT EXISTS observation_batch_idx ON observation (batch_id)`.execute(db);

  // breakdown text helpers: applied to the few distinct breakdowns of a variable, never per row
  await sql`CREATE FUNCTION dp_breakdown_without(b text, dims text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(string_agg(p, ';' ORDER BY n), '')
      FROM unnest(string_to_array(b, ';')) WITH ORDINALITY AS t(p, n)
      WHERE p <> '' AND NOT (split_part(p, '=', 1) = ANY (dims))
    $$`.execute(db);
  await sql`CREATE FUNCTION dp_breakdown_code(b text, dim text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT substr(p, length(dim) + 2)
      FROM unnest(string_to_array(b, ';')) AS t(p)
      WHERE split_part(p, '=', 1) = dim LIMIT 1
    $$`.execute(db);
  /** true when, for every dimension of the restriction, the breakdown holds one of its codes */
  await sql`CREATE FUNCTION dp_breakdown_matches(b text, restriction jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(bool_and(
        coalesce(dp_breakdown_code(b, r.key) IN (SELECT jsonb_array_elements_text(r.value)), false)
      ), true)
      FROM jsonb_each(restriction) AS r
    $$`.execute(db);
  await sql`CREATE FUNCTION dp_uuid_union(a uuid[]) RETURNS uuid[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(a) AS x $$`.execute(db);
  await sql`CREATE AGGREGATE dp_array_concat(uuid[]) (SFUNC = array_cat, STYPE = uuid[], INITCOND = '{}')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP AGGREGATE IF EXISTS dp_array_concat(uuid[])`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_uuid_union(uuid[])`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_breakdown_matches(text, jsonb)`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_breakdown_code(text, text)`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_breakdown_without(text, text[])`.execute(db);
  await sql`DROP INDEX IF EXISTS observation_batch_idx`.execute(db);
  await db.schema.dropTable('indicator_watermark').execute();
  await db.schema.dropTable('indicator_value').execute();
}
