// Disclosure control of observations: the cells withheld from public readers (kept as revisions in transaction time,
// like the observations), the groups not yet evaluated (fail-closed: an observation written outside an evaluation is
// withheld until one ran), and the view of current observations as the public may read them.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('observation_withheld')
    .addColumn('variable_id', 'text', (c) => c.notNull())
    .addColumn('lor_version', 'text', (c) => c.notNull())
    .addColumn('ref_date', 'date', (c) => c.notNull())
    /** a delivered unit, or a coarser unit the pool publishes as a sum */
    .addColumn('unit_id', 'text', (c) => c.notNull())
    .addColumn('breakdown', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('disclosure','secondary')`))
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('valid_to', 'timestamptz')
    .execute();
  await sql`CREATE UNIQUE INDEX observation_withheld_current_idx
    ON observation_withheld (variable_id, lor_version, ref_date, unit_id, breakdown) WHERE valid_to IS NULL`.execute(db);
  await sql`CREATE INDEX observation_withheld_key_idx
    ON observation_withheld (variable_id, lor_version, ref_date, unit_id, breakdown, valid_from)`.execute(db);

  // one open row per variable and reference date while its cells wait for an evaluation; closed (until) by it
  await db.schema
    .createTable('disclosure_pending')
    .addColumn('variable_id', 'text', (c) => c.notNull())
    .addColumn('ref_date', 'date', (c) => c.notNull())
    .addColumn('since', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('until', 'timestamptz')
    .execute();
  await sql`CREATE UNIQUE INDEX disclosure_pending_open_idx ON disclosure_pending (variable_id, ref_date) WHERE until IS NULL`.execute(db);
  await sql`CREATE INDEX disclosure_pending_key_idx ON disclosure_pending (variable_id, ref_date, since)`.execute(db);

  // every write of observations marks its groups pending, whichever code path wrote them
  await sql`CREATE FUNCTION dp_observation_pending() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO disclosure_pending (variable_id, ref_date)
      SELECT DISTINCT variable_id, ref_date FROM dp_new_rows ORDER BY 1, 2
      ON CONFLICT (variable_id, ref_date) WHERE until IS NULL DO NOTHING;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER observation_disclosure_pending AFTER INSERT ON observation
    REFERENCING NEW TABLE AS dp_new_rows FOR EACH STATEMENT EXECUTE FUNCTION dp_observation_pending()`.execute(db);
  // a changed threshold or shape of a variable makes every date of it pending
  await sql`CREATE FUNCTION dp_variable_pending() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.disclosure_threshold IS DISTINCT FROM OLD.disclosure_threshold OR NEW.value_kind IS DISTINCT FROM OLD.value_kind
        OR NEW.aggregation IS DISTINCT FROM OLD.aggregation OR NEW.breakdowns::text IS DISTINCT FROM OLD.breakdowns::text THEN
        INSERT INTO disclosure_pending (variable_id, ref_date)
        SELECT DISTINCT o.variable_id, o.ref_date FROM observation o WHERE o.variable_id = NEW.id AND o.valid_to IS NULL ORDER BY 1, 2
        ON CONFLICT (variable_id, ref_date) WHERE until IS NULL DO NOTHING;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER variable_disclosure_pending AFTER UPDATE ON variable
    FOR EACH ROW EXECUTE FUNCTION dp_variable_pending()`.execute(db);
  // observations already held: pending until the first evaluation (the ingest service's start evaluates them)
  await sql`INSERT INTO disclosure_pending (variable_id, ref_date)
    SELECT DISTINCT variable_id, ref_date FROM observation WHERE valid_to IS NULL ORDER BY 1, 2`.execute(db);

  // the current observations as a public reader may see them: withheld and not yet evaluated cells without value
  await sql`CREATE VIEW observation_published AS
    SELECT o.id, o.variable_id, o.lor_version, o.level, o.unit_id, o.ref_date, o.breakdown,
      CASE WHEN w.reason IS NULL AND p.variable_id IS NULL THEN o.value END AS value, o.deleted,
      CASE WHEN (w.reason IS NOT NULL OR p.variable_id IS NOT NULL) AND NOT o.deleted THEN 'suppressed' ELSE o.status END AS status,
      CASE WHEN o.deleted THEN NULL WHEN p.variable_id IS NOT NULL THEN 'pending' ELSE w.reason END AS suppression,
      o.batch_id, o.valid_from, o.valid_to
    FROM observation o
    LEFT JOIN observation_withheld w ON w.valid_to IS NULL AND w.variable_id = o.variable_id AND w.lor_version = o.lor_version
      AND w.ref_date = o.ref_date AND w.unit_id = o.unit_id AND w.breakdown = o.breakdown
    LEFT JOIN disclosure_pending p ON p.until IS NULL AND p.variable_id = o.variable_id AND p.ref_date = o.ref_date
    WHERE o.valid_to IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS observation_published`.execute(db);
  await sql`DROP TRIGGER IF EXISTS variable_disclosure_pending ON variable`.execute(db);
  await sql`DROP TRIGGER IF EXISTS observation_disclosure_pending ON observation`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_variable_pending()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_observation_pending()`.execute(db);
  await db.schema.dropTable('disclosure_pending').execute();
  await db.schema.dropTable('observation_withheld').execute();
}
