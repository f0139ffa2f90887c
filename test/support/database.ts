// Test databases: one migrated, bootstrapped template per run, one copy of it per test file.
import { randomBytes } from 'node:crypto';
import { createDb, type DatabaseHandle, migrateToLatest } from '@datenpool/db';
import { bootstrapServices } from '@datenpool/gateway';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import pg from 'pg';
import pino from 'pino';

export const TEMPLATE_DB = process.env.TEST_TEMPLATE_DB ?? 'datenpool_template';

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with `npm test`, which provisions PostGIS');
  return url;
}

export function urlForDatabase(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** creates the template: every migration and every service's bundled data, loaded once */
export async function prepareTemplate(): Promise<void> {
  await admin(async (c) => {
    await c.query(`UPDATE pg_database SET datistemplate = false WHERE datname = $1`, [TEMPLATE_DB]);
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  });
  const database = await createDb({ databaseUrl: urlForDatabase(TEMPLATE_DB), dataDir: '', poolMax: 4, statementTimeoutMs: 600_000 });
  try {
    await migrateToLatest(database.db);
    const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
    await bootstrapServices({ config: serviceConfigFromEnv({}), database }, log, {});
  } finally {
    await database.close();
  }
  await admin((c) => c.query(`UPDATE pg_database SET datistemplate = true WHERE datname = $1`, [TEMPLATE_DB]));
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** how long a copy waits for the template to be free: a test that reads the template itself (pg_dump) holds it */
const TEMPLATE_BUSY_WAIT_MS = 300_000;

/**
 * CREATE DATABASE … TEMPLATE refuses (55006, "source database … is being accessed by other users") while any session is
 * connected to the template, after waiting 5 s itself; copies made at the same time do not connect to it and do not
 * conflict, but a test file that reads the template (test/replica.test.ts dumps it) does, for as long as that takes: the
 * test files run in parallel (.taprc `jobs`), so the copy waits and tries again
 */
export async function copyTemplate(name: string, template: string): Promise<void> {
  const deadline = Date.now() + TEMPLATE_BUSY_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 2_000)));
    }
  }
}

/** a fresh database copied from the template, dropped when the test ends */
export async function testDatabase(t: Teardown, options: { empty?: boolean } = {}): Promise<DatabaseHandle & { url: string }> {
  const name = `dp_test_${randomBytes(6).toString('hex')}`;
  await copyTemplate(name, options.empty ? 'template0' : TEMPLATE_DB);
  const url = urlForDatabase(name);
  const handle = await createDb({ databaseUrl: url, dataDir: '', poolMax: 5, statementTimeoutMs: 60_000 });
  if (options.empty) await migrateToLatest(handle.db);
  t.teardown(async () => {
    await handle.close();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
  return { ...handle, url };
}
