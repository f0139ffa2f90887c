// Ingestion settings read from the environment once; a bad value stops the start naming the variable.
import { z } from 'zod';
import { type HarvestAllowList, parseAllowList } from './pipeline/harvest-address.ts';

const schema = z.object({
  /** INGEST_BODY_LIMIT: largest upload in bytes, enforced while streaming */
  bodyLimit: z.coerce.number().int().positive().default(100 * 1024 * 1024),
  /** INGEST_JSON_LIMIT: JSON and GeoJSON bodies are parsed whole, so they have their own, smaller limit */
  jsonLimit: z.coerce.number().int().positive().default(32 * 1024 * 1024),
  /** INGEST_SCHEDULER: `on` runs the harvest schedule of referenced sources in this process */
  scheduler: z.enum(['on', 'off']).default('off'),
  /** INGEST_HARVEST_TIMEOUT_MS: how long one harvest request may take, redirects and the whole body included */
  harvestTimeoutMs: z.coerce.number().int().positive().default(60_000),
  /** INGEST_HARVEST_MAX_BYTES: the largest body a harvest request may answer with */
  harvestMaxBytes: z.coerce.number().int().positive().default(100 * 1024 * 1024),
  /**
   * INGEST_DISCLOSURE_POLL_MS: how often a listening server looks for disclosure groups left pending outside a landing
   * (a changed threshold or breakdown) and evaluates them; until then their cells are withheld (fail-closed)
   */
  disclosurePollMs: z.coerce.number().int().min(100).max(3_600_000).default(2_000),
  /**
   * HARVEST_ALLOW_HOSTS: host names and CIDRs a harvest may reach although they are loopback, private or link-local
   * (comma list, e.g. `127.0.0.1/32,intranet.berlin.de`); empty: public addresses only
   */
  harvestAllow: z
    .string()
    .default('')
    .transform((text, ctx): HarvestAllowList => {
      try {
        return parseAllowList(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
});
export type IngestConfig = z.infer<typeof schema> & {
  /** HARVEST_SECRET_*: values a source's `auth.secret` names; read here once, never stored or logged */
  harvestSecrets: Record<string, string>;
};

const names: Record<keyof z.infer<typeof schema>, string> = {
  bodyLimit: 'INGEST_BODY_LIMIT',
  jsonLimit: 'INGEST_JSON_LIMIT',
  scheduler: 'INGEST_SCHEDULER',
  harvestTimeoutMs: 'INGEST_HARVEST_TIMEOUT_MS',
  harvestMaxBytes: 'INGEST_HARVEST_MAX_BYTES',
  disclosurePollMs: 'INGEST_DISCLOSURE_POLL_MS',
  harvestAllow: 'HARVEST_ALLOW_HOSTS',
};

/** the names a source may give as its secret: only these settings ever leave the process as a header */
export const HARVEST_SECRET_NAME = /^HARVEST_SECRET_[A-Z0-9_]{1,64}$/;

export function ingestConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(names)) if (env[name]) raw[key] = env[name];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] as keyof typeof names | undefined;
    throw new Error(`invalid configuration ${key ? names[key] : ''}: ${issue?.message}`);
  }
  const harvestSecrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('HARVEST_SECRET_') || value === undefined) continue;
    if (!HARVEST_SECRET_NAME.test(name)) throw new Error(`invalid configuration ${name}: a secret's name is HARVEST_SECRET_ and upper-case letters, digits or _`);
    if (/[\r\n\0]/.test(value)) throw new Error(`invalid configuration ${name}: a header value cannot hold line breaks or NUL`);
    harvestSecrets[name] = value;
  }
  return { ...parsed.data, harvestSecrets };
}
