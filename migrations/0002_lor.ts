// LOR spatial reference: versions and units of every level, geometry in EPSG:25833.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('lor_version')
    .addColumn('version', 'text', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'date', (c) => c.notNull())
    .addColumn('valid_to', 'date')
    .execute();
  await db.schema
    .createTable('lor_unit')
    .addColumn('version', 'text', (c) => c.notNull().references('lor_version.version'))
    .addColumn('level', 'text', (c) =>
      c
        .notNull()
        .check(sql`level in ('berlin','bezirk','prognoseraum','bezirksregion','planungsraum')`),
    )
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text')
    .addColumn('area_m2', 'double precision')
    .addColumn('geom', sql`geometry(MultiPolygon, 25833)`)
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('lor_unit_pk', ['version', 'level', 'id'])
    .execute();
  await sql`CREATE INDEX lor_unit_geom_idx ON lor_unit USING gist (geom)`.execute(db);
  await sql`CREATE INDEX lor_unit_id_idx ON lor_unit (version, id)`.execute(db);
  await sql`INSERT INTO lor_version (version, label, valid_from, valid_to) VALUES
    ('2006', 'LOR 2006 (final state before the 2021 reform)', '2006-08-01', '2020-12-31'),
    ('2021', 'LOR 2021', '2021-01-01', NULL)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('lor_unit').execute();
  await db.schema.dropTable('lor_version').execute();
}
