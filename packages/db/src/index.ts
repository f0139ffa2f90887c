// @datenpool/db: createDb, the migration runner and the Database types.
export type { Capabilities } from './capabilities.ts';
export { type DbConfig, dbConfigFromEnv, dbConfigSchema } from './config.ts';
export { createDb, type DatabaseHandle } from './create-db.ts';
export { createMigrator, migrateToLatest, migrationsFolder } from './migrate.ts';
export type { Database } from './schema.ts';
export { sql, type Kysely, type Transaction } from 'kysely';
