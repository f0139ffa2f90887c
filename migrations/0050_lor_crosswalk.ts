// The 2006 ↔ 2021 crosswalk: weights that carry an additive value of a unit of one LOR version to the units of the
// other, per level. Loaded from the bundled area-overlap tables (data/lor/lor-crosswalk-2006-2021-*.csv); the
// weights of one source unit sum to exactly 1, so a carried total equals the delivered one.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('lor_crosswalk')
    .addColumn('from_version', 'text', (c) => c.notNull())
    .addColumn('to_version', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('from_id', 'text', (c) => c.notNull())
    .addColumn('to_id', 'text', (c) => c.notNull())
    /** share of the source unit's value carried to the target unit; sums to 1 per source unit */
    .addColumn('weight', 'double precision', (c) => c.notNull())
    .addColumn('overlap_m2', 'double precision', (c) => c.notNull())
    /** overlap / area of the source unit and of the target unit, as the bundled table gives them */
    .addColumn('share_of_from', 'double precision', (c) => c.notNull())
    .addColumn('share_of_to', 'double precision', (c) => c.notNull())
    /** how the weight was derived: `area` (normalised area shares) */
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('lor_crosswalk_pk', ['from_version', 'to_version', 'level', 'from_id', 'to_id'])
    .execute();
  await sql`ALTER TABLE lor_crosswalk ADD CONSTRAINT lor_crosswalk_weight_check CHECK (weight > 0 AND weight <= 1)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('lor_crosswalk').execute();
}
