// Two rules every reader shares, kept by the database: the indicator values as the public sees them
// (indicator_value_published: no value, numerator or denominator where the value is suppressed) and the current
// revision of every observation key (observation_current: a deletion is a current revision with deleted = true).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // the full recompute swaps indicator_value for a fresh table and creates this view again from its definition
  // (services/indicators/src/engine/rebuild.ts); the alias v is what an as-of read's temporary view replaces
  await sql`CREATE VIEW indicator_value_published AS
    SELECT v.indicator_id, v.lor_version, v.level, v.unit_id, v.ref_date, v.breakdown,
      CASE WHEN v.status = 'suppressed' THEN NULL ELSE v.value END AS value,
      CASE WHEN v.status = 'suppressed' THEN NULL ELSE v.numerator END AS numerator,
      CASE WHEN v.status = 'suppressed' THEN NULL ELSE v.denominator END AS denominator,
      v.status, v.suppression, v.berlin, v.district, v.rank, v.rank_district, v.percentile, v.change_1y, v.change_ny,
      v.target, v.target_distance, v.class, v.class_label, v.dynamics, v.dynamics_class, v.dynamics_label, v.combined_label,
      v.provenance, v.computed_at
    FROM indicator_value v`.execute(db);
  await sql`CREATE VIEW observation_current AS SELECT * FROM observation WHERE valid_to IS NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW IF EXISTS observation_current`.execute(db);
  await sql`DROP VIEW IF EXISTS indicator_value_published`.execute(db);
}
