// Ingestion settings read from the environment once; a bad value stops the start naming the variable.
import { z } from 'zod';

const schema = z.object({
  /** INGEST_BODY_LIMIT: largest upload in bytes, enforced while streaming */
  bodyLimit: z.coerce.number().int().positive().default(100 * 1024 * 1024),
  /** INGEST_JSON_LIMIT: JSON and GeoJSON bodies are parsed whole, so they have their own, smaller limit */
  jsonLimit: z.coerce.number().int().positive().default(32 * 1024 * 1024),
  /** INGEST_SCHEDULER: `on` runs the harvest schedule of referenced sources in this process */
  scheduler: z.enum(['on', 'off']).default('off'),
  /** INGEST_HARVEST_TIMEOUT_MS: how long one harvest request may take */
  harvestTimeoutMs: z.coerce.number().int().positive().default(60_000),
});
export type IngestConfig = z.infer<typeof schema>;

const names: Record<keyof IngestConfig, string> = {
  bodyLimit: 'INGEST_BODY_LIMIT',
  jsonLimit: 'INGEST_JSON_LIMIT',
  scheduler: 'INGEST_SCHEDULER',
  harvestTimeoutMs: 'INGEST_HARVEST_TIMEOUT_MS',
};

export function ingestConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(names)) if (env[name]) raw[key] = env[name];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] as keyof IngestConfig | undefined;
    throw new Error(`invalid configuration ${key ? names[key] : ''}: ${issue?.message}`);
  }
  return parsed.data;
}
