// The recompute outbox: what changed is written in the transaction that changed it (a landing batch, a catalog edit)
// and consumed by the recompute that computed it, so freshness never depends on clocks (replaces the watermark).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('indicator_recompute_queue')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    /**
     * observations: values of a variable changed (for a LOR version and reference years; null means all of them);
     * indicator: an indicator's definition or targets changed (it and everything derived from it, every year);
     * full: everything
     */
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('observations', 'indicator', 'full')`))
    .addColumn('variable_id', 'text')
    .addColumn('lor_version', 'text')
    .addColumn('ref_years', sql`integer[]`)
    .addColumn('indicator_id', 'text')
    /** the landing batch that wrote the entry, for the status report */
    .addColumn('batch_id', 'uuid')
    .addColumn('reason', 'text', (c) => c.notNull())
    /** informational only (status): nothing is ordered or compared by it */
    .addColumn('enqueued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`ALTER TABLE indicator_recompute_queue ADD CONSTRAINT indicator_recompute_queue_shape_check CHECK (
    (kind = 'observations' AND variable_id IS NOT NULL) OR (kind = 'indicator' AND indicator_id IS NOT NULL) OR kind = 'full')`.execute(db);

  await db.schema
    .createTable('indicator_recompute_state')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mode', 'text', (c) => c.notNull())
    /** queue entries the recompute consumed */
    .addColumn('entries', 'integer', (c) => c.notNull())
    .addColumn('indicators', 'integer', (c) => c.notNull())
    .addColumn('values_written', 'integer', (c) => c.notNull())
    .addColumn('values_removed', 'integer', (c) => c.notNull())
    .addColumn('seconds', 'double precision', (c) => c.notNull())
    /** when the recompute committed (clock_timestamp just before the commit): what readers see as computedAt */
    .addColumn('finished_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // databases computed under the watermark keep their time as the last recompute; the full entry below recomputes them
  await sql`INSERT INTO indicator_recompute_state (id, mode, entries, indicators, values_written, values_removed, seconds, finished_at)
    SELECT 'values', 'full', 0, 0, 0, 0, 0, updated_at FROM indicator_watermark WHERE id = 'values'`.execute(db);
  await db.schema.dropTable('indicator_watermark').execute();

  // one notification per enqueuing statement, delivered at its commit: when the entries become visible
  await sql`CREATE FUNCTION dp_recompute_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('datenpool_recompute', ''); RETURN NULL; END $$`.execute(db);
  await sql`CREATE TRIGGER indicator_recompute_queue_notify AFTER INSERT ON indicator_recompute_queue
    FOR EACH STATEMENT EXECUTE FUNCTION dp_recompute_notify()`.execute(db);

  // catalog edits that change values enqueue in their own transaction, whichever route or script makes them
  await sql`CREATE FUNCTION dp_recompute_indicator() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO indicator_recompute_queue (kind, indicator_id, reason)
      VALUES ('indicator', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, TG_TABLE_NAME || ' ' || lower(TG_OP));
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER indicator_recompute_on_insert_delete AFTER INSERT OR DELETE ON indicator
    FOR EACH ROW EXECUTE FUNCTION dp_recompute_indicator()`.execute(db);
  await sql`CREATE TRIGGER indicator_recompute_on_update AFTER UPDATE ON indicator FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.formula IS DISTINCT FROM NEW.formula
      OR OLD.min_base IS DISTINCT FROM NEW.min_base OR OLD.lowest_level IS DISTINCT FROM NEW.lowest_level OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION dp_recompute_indicator()`.execute(db);

  await sql`CREATE FUNCTION dp_recompute_target() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        INSERT INTO indicator_recompute_queue (kind, indicator_id, reason) VALUES ('indicator', OLD.indicator_id, 'indicator_target ' || lower(TG_OP));
      END IF;
      IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.indicator_id IS DISTINCT FROM OLD.indicator_id) THEN
        INSERT INTO indicator_recompute_queue (kind, indicator_id, reason) VALUES ('indicator', NEW.indicator_id, 'indicator_target ' || lower(TG_OP));
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER indicator_target_recompute AFTER INSERT OR UPDATE OR DELETE ON indicator_target
    FOR EACH ROW EXECUTE FUNCTION dp_recompute_target()`.execute(db);

  // a variable's rules (aggregation, disclosure threshold, kind, rate base) change every value computed from it
  await sql`CREATE FUNCTION dp_recompute_variable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO indicator_recompute_queue (kind, variable_id, reason)
      VALUES ('observations', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, 'variable ' || lower(TG_OP));
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER variable_recompute_on_insert_delete AFTER INSERT OR DELETE ON variable
    FOR EACH ROW EXECUTE FUNCTION dp_recompute_variable()`.execute(db);
  await sql`CREATE TRIGGER variable_recompute_on_update AFTER UPDATE ON variable FOR EACH ROW
    WHEN (OLD.aggregation IS DISTINCT FROM NEW.aggregation OR OLD.disclosure_threshold IS DISTINCT FROM NEW.disclosure_threshold
      OR OLD.value_kind IS DISTINCT FROM NEW.value_kind OR OLD.rate_base IS DISTINCT FROM NEW.rate_base)
    EXECUTE FUNCTION dp_recompute_variable()`.execute(db);

  // whatever was computed before this migration is recomputed once, under the queue
  await sql`INSERT INTO indicator_recompute_queue (kind, reason) VALUES ('full', 'migration 0054')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS variable_recompute_on_update ON variable`.execute(db);
  await sql`DROP TRIGGER IF EXISTS variable_recompute_on_insert_delete ON variable`.execute(db);
  await sql`DROP TRIGGER IF EXISTS indicator_target_recompute ON indicator_target`.execute(db);
  await sql`DROP TRIGGER IF EXISTS indicator_recompute_on_update ON indicator`.execute(db);
  await sql`DROP TRIGGER IF EXISTS indicator_recompute_on_insert_delete ON indicator`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_recompute_variable()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_recompute_target()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS dp_recompute_indicator()`.execute(db);
  await db.schema.dropTable('indicator_recompute_queue').execute();
  await sql`DROP FUNCTION IF EXISTS dp_recompute_notify()`.execute(db);
  await db.schema
    .createTable('indicator_watermark')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('batch_finished_at', 'timestamptz')
    .addColumn('batch_id', 'uuid')
    .addColumn('catalog_hash', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.dropTable('indicator_recompute_state').execute();
}
