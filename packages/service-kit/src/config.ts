// Process configuration of a service, read from the environment once and validated with zod.
import { isIP } from 'node:net';
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
  /**
   * the proxies whose X-Forwarded-For/-Host/-Proto are honoured (client address for rate limits and logs, links):
   * `false` (none, the default), `true` (every peer: only behind a proxy that overwrites these headers), or
   * comma-separated addresses and CIDRs (`127.0.0.1,10.0.0.0/8`; `loopback`, `linklocal`, `uniquelocal` name ranges)
   */
  trustProxy: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const value = v.trim();
      if (value === 'false' || value === '') return false;
      if (value === 'true') return true;
      const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
      const bad = entries.find((e) => !isProxyAddress(e));
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not true, false, an IP address, a CIDR or loopback/linklocal/uniquelocal` });
        return z.NEVER;
      }
      return entries;
    }),
});

/** an address, a CIDR (address/prefix length) or a named range that proxy-addr (Fastify's trustProxy) knows */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
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
