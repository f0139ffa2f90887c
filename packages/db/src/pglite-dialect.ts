// Kysely dialect over embedded PGlite: kysely-pglite's driver, made safe for concurrent transactions.
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { KyselyPGlite } from 'kysely-pglite';

/**
 * kysely-pglite passes PGlite's result through, whose count of written rows is `affectedRows`; Kysely reads
 * `numAffectedRows`, so every INSERT, UPDATE and DELETE on PGlite counted 0 rows (batch reports: `new: 0, revised: 0`).
 */
class AffectedRowsConnection implements DatabaseConnection {
  constructor(private readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = (await this.inner.executeQuery<R>(query)) as QueryResult<R> & { affectedRows?: number };
    if (result.numAffectedRows !== undefined || result.affectedRows === undefined) return result;
    return { ...result, numAffectedRows: BigInt(result.affectedRows) };
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/**
 * PGlite is one connection. kysely-pglite hands the same connection to every caller, so two
 * concurrent transactions would interleave their statements. This driver lends the connection
 * to one holder at a time, the way Kysely's own SQLite driver does.
 */
class ExclusivePGliteDriver implements Driver {
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return new AffectedRowsConnection(await this.inner.acquireConnection());
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

export interface EmbeddedDatabase {
  dialect: Dialect;
  client: PGlite;
}

const numberParser = (value: string): number => Number(value);

export async function createEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const client = await PGlite.create({
    dataDir,
    extensions: { postgis },
    // int8 and numeric as numbers, dates as ISO strings: the same as the pg pool is configured
    parsers: { 20: numberParser, 1700: numberParser, 1082: (v: string) => v },
  });
  await client.exec('CREATE EXTENSION IF NOT EXISTS postgis');
  const base = new KyselyPGlite(client).dialect;
  const dialect: Dialect = {
    createAdapter: () => base.createAdapter(),
    createDriver: () => new ExclusivePGliteDriver(base.createDriver()),
    createIntrospector: (db) => base.createIntrospector(db),
    createQueryCompiler: () => base.createQueryCompiler(),
  };
  return { dialect, client };
}
