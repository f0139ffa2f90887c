// Process configuration of a service, read from the environment once and validated with zod.
import { z } from 'zod';

export const serviceConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().min(1).default('127.0.0.1'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** largest accepted request body in bytes (JSON and forms; ingestion sets its own) */
  bodyLimit: z.coerce.number().int().positive().default(1_048_576),
  /**
   * how long receiving one request may take; uploads are parsed while they arrive, so this bounds
   * the largest push (about 140 s per million CSV rows on a loaded 2-core machine)
   */
  requestTimeoutMs: z.coerce.number().int().positive().default(600_000),
  /** base URL clients see, for links; derived from the request when unset */
  publicUrl: z.string().url().optional(),
  /** honour X-Forwarded-Host/-Proto (set by the gateway in proxy mode) when building links */
  trustProxy: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;

const envNames: Record<keyof ServiceConfig, string> = {
  port: 'PORT',
  host: 'HOST',
  logLevel: 'LOG_LEVEL',
  bodyLimit: 'BODY_LIMIT',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  publicUrl: 'PUBLIC_URL',
  trustProxy: 'TRUST_PROXY',
};

/** reads the config; a bad value stops the start with a message naming the variable */
export function serviceConfigFromEnv(env: NodeJS.ProcessEnv = process.env, defaults: Partial<ServiceConfig> = {}): ServiceConfig {
  const raw: Record<string, unknown> = { ...defaults };
  for (const [key, name] of Object.entries(envNames)) {
    if (env[name] !== undefined && env[name] !== '') raw[key] = env[name];
  }
  const parsed = serviceConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] as keyof ServiceConfig | undefined;
    throw new Error(`invalid configuration ${key ? envNames[key] : ''}: ${issue?.message}`);
  }
  return parsed.data;
}
