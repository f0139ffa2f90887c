// Release bundles that were built: their id, the data state they hold, the zip's SHA-256 and size (the DCAT catalogue
// lists them with checksum and byte size; the bytes are rebuilt from the data, never stored).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('data_release')
    /** `{date}-{hash}`: the date of the newest change in the state, and a hash of the state */
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** what identifies the data: last landed batch, last recompute, LOR versions, catalogue changes */
    .addColumn('state', 'jsonb', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('byte_size', 'bigint', (c) => c.notNull())
    /** the manifest's members: path, media type, bytes, SHA-256 */
    .addColumn('members', 'jsonb', (c) => c.notNull())
    .addColumn('built_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('data_release').execute();
}
