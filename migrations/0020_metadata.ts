// Metadata catalog and access control: agencies, variables, indicators, targets, sources, API keys.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agency')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('senatsverwaltung','bezirksamt','statistikamt','other')`),
    )
    .addColumn('contact', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('variable')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('supersedes', 'text', (c) => c.references('variable.id'))
    .addColumn('label_de', 'text', (c) => c.notNull())
    .addColumn('label_en', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('value_kind', 'text', (c) => c.notNull().defaultTo('count').check(sql`value_kind in ('count','measure')`))
    .addColumn('aggregation', 'text', (c) => c.notNull().check(sql`aggregation in ('sum','none')`))
    .addColumn('finest_level', 'text', (c) => c.notNull())
    .addColumn('periodicity', 'text', (c) => c.notNull().defaultTo('annual'))
    .addColumn('reference_date', 'text', (c) => c.notNull().defaultTo('12-31'))
    .addColumn('breakdowns', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('disclosure_threshold', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agency_id', 'text', (c) => c.notNull().references('agency.id'))
    .addColumn('licence', 'text', (c) => c.notNull().defaultTo('dl-de/by-2-0'))
    .addColumn('access', 'text', (c) => c.notNull().defaultTo('public').check(sql`access in ('public','restricted')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft').check(sql`status in ('draft','active','retired')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('indicator')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('zielbereich', 'text', (c) => c.notNull())
    .addColumn('label_de', 'text', (c) => c.notNull())
    .addColumn('label_en', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('unit', 'text', (c) => c.notNull().defaultTo('%'))
    .addColumn('formula', 'jsonb', (c) => c.notNull())
    .addColumn('polarity', 'text', (c) => c.notNull().check(sql`polarity in ('risk','potential','neutral')`))
    .addColumn('core', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('lowest_level', 'text', (c) => c.notNull().defaultTo('planungsraum'))
    .addColumn('min_base', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('availability', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('draft','active','retired')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('indicator_target')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('indicator_id', 'text', (c) => c.notNull().references('indicator.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('period_from', 'date', (c) => c.notNull())
    .addColumn('period_to', 'date', (c) => c.notNull())
    .addColumn('target_value', 'double precision', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .execute();

  await db.schema
    .createTable('referenced_source')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agency_id', 'text', (c) => c.notNull().references('agency.id'))
    .addColumn('variable_id', 'text', (c) => c.notNull().references('variable.id'))
    .addColumn('lor_version', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('csv','ogcapi-features','sdmx-csv')`))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('mapping', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('schedule', 'text')
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('last_harvest_at', 'timestamptz')
    .addColumn('last_status', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('api_key')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    /** the first characters of the key, stored in clear to find the row; never enough to use it */
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('agency_id', 'text', (c) => c.references('agency.id'))
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['api_key', 'referenced_source', 'indicator_target', 'indicator', 'variable', 'agency']) {
    await db.schema.dropTable(t).execute();
  }
}
