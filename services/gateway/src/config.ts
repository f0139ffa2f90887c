// Gateway configuration: upstream URLs of proxied services, front-door limits, CORS.
import { z } from 'zod';

export const gatewayConfigSchema = z.object({
  /** requests per window and client (a verified API key, else the address); probes are exempt */
  rateLimitMax: z.coerce.number().int().positive().default(6000),
  rateLimitWindowMs: z.coerce.number().int().positive().default(60_000),
  /** requests per window and address that carry a key not verified before (each costs a scrypt hash) */
  rateLimitUnknownKeyMax: z.coerce.number().int().positive().default(10),
  /** origins allowed to write cross-site; reads are open to every origin */
  corsOrigins: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean)),
  /** how long the gateway waits for a proxied service's answer headers and body */
  proxyTimeoutMs: z.coerce.number().int().positive().default(30_000),
  proxyConnectTimeoutMs: z.coerce.number().int().positive().default(2_000),
  /** `<NAME>_URL` per service: proxy to it instead of mounting in-process */
  upstreams: z.record(z.string(), z.string().url()),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv, serviceNames: string[]): GatewayConfig {
  const upstreams: Record<string, string> = {};
  for (const name of serviceNames) {
    const url = env[`${name.toUpperCase()}_URL`];
    if (url) upstreams[name] = url;
  }
  const parsed = gatewayConfigSchema.safeParse({
    rateLimitMax: env.RATE_LIMIT_MAX || undefined,
    rateLimitWindowMs: env.RATE_LIMIT_WINDOW_MS || undefined,
    rateLimitUnknownKeyMax: env.RATE_LIMIT_UNKNOWN_KEY_MAX || undefined,
    corsOrigins: env.CORS_ORIGINS || undefined,
    proxyTimeoutMs: env.PROXY_TIMEOUT_MS || undefined,
    proxyConnectTimeoutMs: env.PROXY_CONNECT_TIMEOUT_MS || undefined,
    upstreams,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid gateway configuration ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
