// Database configuration read from the environment: external PostgreSQL or embedded PGlite.
import { z } from 'zod';

export const dbConfigSchema = z.object({
  databaseUrl: z.string().url().optional(),
  /** a streaming standby of databaseUrl for reads that may lag (features, values, SDMX); unset: reads go to the primary */
  databaseReadUrl: z.string().url().optional(),
  dataDir: z.string().min(1).default('./.data'),
  poolMax: z.coerce.number().int().positive().default(10),
  statementTimeoutMs: z.coerce.number().int().positive().default(30_000),
});
export type DbConfig = z.infer<typeof dbConfigSchema>;

const envNames: Record<string, string> = {
  databaseUrl: 'DATABASE_URL',
  databaseReadUrl: 'DATABASE_READ_URL',
  dataDir: 'DATA_DIR',
  poolMax: 'DB_POOL_MAX',
  statementTimeoutMs: 'DB_STATEMENT_TIMEOUT_MS',
};

export function dbConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DbConfig {
  const parsed = dbConfigSchema.safeParse({
    databaseUrl: env.DATABASE_URL || undefined,
    databaseReadUrl: env.DATABASE_READ_URL || undefined,
    dataDir: env.DATA_DIR || undefined,
    poolMax: env.DB_POOL_MAX || undefined,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid database configuration: ${envNames[String(issue?.path[0])] ?? issue?.path.join('.')}: ${issue?.message}`);
  }
  // a standby of the embedded database cannot exist
  if (parsed.data.databaseReadUrl && !parsed.data.databaseUrl) throw new Error('invalid database configuration: DATABASE_READ_URL needs DATABASE_URL (its primary)');
  return parsed.data;
}
