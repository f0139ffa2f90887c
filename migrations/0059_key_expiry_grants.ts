// API keys that expire, read grants per agency or per variable, indexes for reading the audit trail, and harvest
// credentials of referenced sources by reference: the name of a secret setting, never the secret.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_key')
    /** after this instant the key is refused (401 naming the expiry); null: it does not expire */
    .addColumn('expires_at', 'timestamptz')
    /** restricted data this key may read beyond its scopes: `agency:<id>` or `variable:<id>` */
    .addColumn('read_grants', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
  await db.schema
    .alterTable('referenced_source')
    /** `{ header, secret }`: the request header the harvest sends and the HARVEST_SECRET_* setting its value comes from */
    .addColumn('auth', 'jsonb')
    .execute();
  await sql`CREATE INDEX audit_log_at_idx ON audit_log (at, id)`.execute(db);
  await sql`CREATE INDEX audit_log_actor_idx ON audit_log (actor, at)`.execute(db);
  await sql`CREATE INDEX audit_log_action_idx ON audit_log (action, at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS audit_log_action_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS audit_log_actor_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS audit_log_at_idx`.execute(db);
  await db.schema.alterTable('referenced_source').dropColumn('auth').execute();
  await db.schema.alterTable('api_key').dropColumn('read_grants').dropColumn('expires_at').execute();
}
