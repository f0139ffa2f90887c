// One entry to the database: a pg pool when DATABASE_URL is set, embedded PGlite otherwise.
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type Capabilities, detectCapabilities } from './capabilities.ts';
import type { DbConfig } from './config.ts';
import { createEmbeddedDatabase } from './pglite-dialect.ts';
import type { Database } from './schema.ts';

// int8 (counts) and numeric as JS numbers on both engines
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// dates stay ISO strings (`2024-12-31`): a reference date has no time zone
pg.types.setTypeParser(1082, (v) => v);

export interface DatabaseHandle {
  db: Kysely<Database>;
  capabilities: Capabilities;
  /** the pg pool when the engine is PostgreSQL (for COPY and cursors); undefined on PGlite */
  pool: pg.Pool | undefined;
  close(): Promise<void>;
}

export async function createDb(config: DbConfig): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.poolMax,
      statement_timeout: config.statementTimeoutMs,
    });
    // an idle connection that the server ends (a restart, a failover, pg_terminate_backend, a dropped test database)
    // is discarded by the pool, which opens a new one when needed; without a listener its error event ended the process
    pool.on('error', (err) => process.emitWarning(`database: an idle connection ended (${err.message}); it is replaced on demand`));
    // a connection ended while lent out (a recompute's backend terminated) fails its query; its error event would
    // otherwise end the process as well
    pool.on('connect', (client) => client.on('error', (err) => process.emitWarning(`database: a connection in use ended (${err.message})`)));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // capabilities are probed before migrations run, so PostGIS must be there first
    await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(db);
    const capabilities = await detectCapabilities(db as Kysely<unknown>, 'postgres');
    return { db, capabilities, pool, close: () => db.destroy() };
  }
  if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
  const embedded = await createEmbeddedDatabase(config.dataDir);
  const db = new Kysely<Database>({ dialect: embedded.dialect });
  const capabilities = await detectCapabilities(db as Kysely<unknown>, 'pglite');
  return { db, capabilities, pool: undefined, close: () => db.destroy() };
}
