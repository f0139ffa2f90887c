// One entry to the database: a pg pool when DATABASE_URL is set, embedded PGlite otherwise.
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { type Capabilities, detectCapabilities } from './capabilities.ts';
import type { DbConfig } from './config.ts';
import { createEmbeddedDatabase } from './pglite-dialect.ts';
import { preparingPool } from './prepared.ts';
import type { Database } from './schema.ts';

// int8 (counts) and numeric as JS numbers on both engines
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// dates stay ISO strings (`2024-12-31`): a reference date has no time zone
pg.types.setTypeParser(1082, (v) => v);

export interface DatabaseHandle {
  /** the primary: writes, recomputes, and reads that must see the caller's own writes (a batch just pushed) */
  db: Kysely<Database>;
  /**
   * reads that may lag behind the primary (features, indicator values, series, profiles, SDMX, the viewer): a streaming
   * standby when DATABASE_READ_URL is set, else the same handle as db
   */
  read: Kysely<Database>;
  /** true when read is a standby of its own */
  readReplica: boolean;
  capabilities: Capabilities;
  /** the pg pool when the engine is PostgreSQL (for COPY and cursors); undefined on PGlite */
  pool: pg.Pool | undefined;
  /** the pool behind read (the standby's, or pool itself), for cursors over lagging reads */
  readPool: pg.Pool | undefined;
  close(): Promise<void>;
  /** with a standby: the handle as a reader that may lag sees it (readHandle), made once with the handle */
  reader?: DatabaseHandle;
}

function openPool(url: string, config: DbConfig, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: config.poolMax,
    // sessions kept 5 minutes idle (pg's default: 10 s): a new one costs its connection (3-7 ms) and its first vector
    // tile 40-70 ms more than the next (PROJ and the catalog caches set up per backend; measured), which a map's first
    // tiles after a pause would otherwise pay
    idleTimeoutMillis: 300_000,
    // idle sessions do not keep a process alive that is otherwise done (a script that does not close the handle)
    allowExitOnIdle: true,
    statement_timeout: config.statementTimeoutMs,
    // prepared statements keep their parse tree, not a generic plan: a generic plan does not know the page's bounding
    // box, and ordered by id it walked the index of 100 000 polygons (22.6 ms of server time per page of 100 instead
    // of 2.8 ms, measured)
    ...(config.preparedStatements === false ? {} : { options: '-c plan_cache_mode=force_custom_plan' }),
    application_name: applicationName,
  });
  // an idle connection that the server ends (a restart, a failover, pg_terminate_backend, a dropped test database)
  // is discarded by the pool, which opens a new one when needed; without a listener its error event ended the process
  pool.on('error', (err) => process.emitWarning(`database: an idle connection ended (${err.message}); it is replaced on demand`));
  // a connection ended while lent out (a recompute's backend terminated) fails its query; its error event would
  // otherwise end the process as well
  pool.on('connect', (client) => client.on('error', (err) => process.emitWarning(`database: a connection in use ended (${err.message})`)));
  return pool;
}

export async function createDb(config: DbConfig): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    const pool = openPool(config.databaseUrl, config, 'datenpool');
    const dialect = (p: pg.Pool) => new PostgresDialect({ pool: config.preparedStatements === false ? p : preparingPool(p) });
    const db = new Kysely<Database>({ dialect: dialect(pool) });
    // capabilities are probed before migrations run, so PostGIS must be there first
    await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(db);
    const capabilities = await detectCapabilities(db as Kysely<unknown>, 'postgres');
    if (!config.databaseReadUrl) return { db, read: db, readReplica: false, capabilities, pool, readPool: pool, close: () => db.destroy() };
    // the standby replays the primary's schema and extensions; it takes no DDL of its own
    const readPool = openPool(config.databaseReadUrl, config, 'datenpool-read');
    const read = new Kysely<Database>({ dialect: dialect(readPool) });
    const handle: DatabaseHandle = {
      db, read, readReplica: true, capabilities, pool, readPool,
      close: async () => {
        await Promise.all([db.destroy(), read.destroy()]);
      },
    };
    handle.reader = { ...handle, db: read, pool: readPool, close: async () => {} };
    return handle;
  }
  if (!config.dataDir.startsWith('memory://')) mkdirSync(config.dataDir, { recursive: true });
  const embedded = await createEmbeddedDatabase(config.dataDir);
  const db = new Kysely<Database>({ dialect: embedded.dialect });
  const capabilities = await detectCapabilities(db as Kysely<unknown>, 'pglite');
  return { db, read: db, readReplica: false, capabilities, pool: undefined, readPool: undefined, close: () => db.destroy() };
}

/**
 * The handle as a reader that may lag sees it: db and pool are the read ones, so code that takes a whole handle (OGC
 * collection sources, row cursors) reads from the standby. Without a standby it is the handle itself; one view per
 * handle, so what is remembered per handle stays shared.
 */
export function readHandle(database: DatabaseHandle): DatabaseHandle {
  // the view itself has no reader of its own: it is its own reading handle
  return database.readReplica ? (database.reader ?? database) : database;
}
