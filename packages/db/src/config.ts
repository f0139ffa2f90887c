// Database configuration read from the environment: external PostgreSQL or embedded PGlite.
import { z } from 'zod';

export const dbConfigSchema = z.object({
  databaseUrl: z.string().url().optional(),
  dataDir: z.string().min(1).default('./.data'),
  poolMax: z.coerce.number().int().positive().default(10),
  statementTimeoutMs: z.coerce.number().int().positive().default(30_000),
});
export type DbConfig = z.infer<typeof dbConfigSchema>;

export function dbConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DbConfig {
  const parsed = dbConfigSchema.safeParse({
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR || undefined,
    poolMax: env.DB_POOL_MAX || undefined,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid database configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
