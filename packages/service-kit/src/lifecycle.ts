// Starting a process: config, database, migrations, listen; and stopping it gracefully on SIGTERM.
import { createDb, type DatabaseHandle, migrateToLatest } from '@datenpool/db';
import type { App } from './app.ts';
import { databaseOpenError, databaseSettings, type ProcessConfig, processConfigFromEnv, type ServiceConfig, settingsOf } from './config.ts';
import { LoadingState } from './loading.ts';
import type { SettingsGroup } from './settings.ts';

export interface ProcessContext {
  config: ProcessConfig;
  database: DatabaseHandle;
  /** what the process still loads after listening (bundled data on a first start); reported by /ready */
  loading?: LoadingState;
}

/**
 * reads the environment (the base settings and `settings`, the groups of what the process runs: a bad value of any
 * stops the start naming every bad variable), opens the database and brings its schema up to date
 */
export async function openProcessContext(defaults: Partial<ServiceConfig> = {}, settings: readonly SettingsGroup<unknown>[] = []): Promise<ProcessContext> {
  const config = processConfigFromEnv(process.env, defaults, settings);
  const databaseConfig = settingsOf(config, databaseSettings);
  const database = await createDb(databaseConfig).catch((err) => {
    throw databaseOpenError(err, databaseConfig);
  });
  await migrateToLatest(database.db);
  return { config, database, loading: new LoadingState() };
}

/**
 * Listens, then on SIGTERM or SIGINT: stops accepting, lets in-flight requests finish
 * (Fastify's close waits for them), closes the database and exits 0.
 */
export async function serveUntilSignal(app: App, context: ProcessContext): Promise<void> {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, context.config.requestTimeoutMs + 5_000);
    force.unref();
    try {
      await app.close();
      await context.database.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: context.config.port, host: context.config.host });
}
