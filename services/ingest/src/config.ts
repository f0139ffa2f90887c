// Ingestion settings, read at start with the process configuration; a bad value stops the start naming the variable.
import { defineSettings, duration, headerValue, integer, oneOf, parsed, readGroup } from '@datenpool/service-kit';
import { type HarvestAllowList, parseAllowList } from './pipeline/harvest-address.ts';

/** the names a source may give as its secret: only these settings ever leave the process as a header */
export const HARVEST_SECRET_NAME = /^HARVEST_SECRET_[A-Z0-9_]{1,64}$/;

export interface IngestConfig {
  /** largest upload in bytes, enforced while streaming */
  bodyLimit: number;
  /** JSON and GeoJSON bodies are parsed whole, so they have their own, smaller limit */
  jsonLimit: number;
  scheduler: 'on' | 'off';
  harvestTimeoutMs: number;
  harvestMaxBytes: number;
  disclosurePollMs: number;
  harvestAllow: HarvestAllowList;
  /** HARVEST_SECRET_*: values a source's `auth.secret` names; read here once, never stored or logged */
  harvestSecrets: Record<string, string>;
}

export const ingestSettings = defineSettings({
  name: 'ingest',
  variables: {
    INGEST_BODY_LIMIT: integer({ min: 1, default: 100 * 1024 * 1024, description: 'largest upload (CSV, JSON, GeoJSON) in bytes, enforced while streaming' }),
    INGEST_JSON_LIMIT: integer({
      min: 1,
      default: 32 * 1024 * 1024,
      description: 'JSON and GeoJSON bodies are parsed whole, so they have their own, smaller limit in bytes',
    }),
    INGEST_SCHEDULER: oneOf(['on', 'off'], { default: 'off', description: '`on` runs the harvest schedule of referenced sources in this process' }),
    INGEST_HARVEST_TIMEOUT_MS: duration({ min: 1, default: 60_000, description: 'one harvest request: redirects and the whole body' }),
    INGEST_HARVEST_MAX_BYTES: integer({ min: 1, default: 100 * 1024 * 1024, description: 'the largest body a harvested source may send' }),
    INGEST_DISCLOSURE_POLL_MS: duration({
      min: 100,
      max: 3_600_000,
      default: 2_000,
      description:
        'how often a listening server evaluates disclosure groups left pending outside a landing (a changed threshold or breakdown); their cells stay withheld until then',
    }),
    HARVEST_ALLOW_HOSTS: parsed<HarvestAllowList>({
      expected: 'comma-separated host names and CIDRs',
      unset: '',
      parse: parseAllowList,
      refuses: ['127.0.0.1/99'],
      description: 'host names and CIDRs a harvest may reach although they are loopback, private or link-local (`127.0.0.1/32,intranet.berlin.de`); empty: public addresses only',
    }),
  },
  families: {
    secrets: {
      pattern: 'HARVEST_SECRET_<NAME>',
      prefix: 'HARVEST_SECRET_',
      name: HARVEST_SECRET_NAME,
      value: headerValue({ secret: true, description: "a value a referenced source's `auth.secret` names, sent as its header; never stored or logged" }),
    },
  },
  assemble: (v, members): IngestConfig => ({
    bodyLimit: v.INGEST_BODY_LIMIT,
    jsonLimit: v.INGEST_JSON_LIMIT,
    scheduler: v.INGEST_SCHEDULER,
    harvestTimeoutMs: v.INGEST_HARVEST_TIMEOUT_MS,
    harvestMaxBytes: v.INGEST_HARVEST_MAX_BYTES,
    disclosurePollMs: v.INGEST_DISCLOSURE_POLL_MS,
    harvestAllow: v.HARVEST_ALLOW_HOSTS,
    harvestSecrets: (members.secrets ?? {}) as Record<string, string>,
  }),
});

/** the ingestion settings from `env` alone (tests; a process reads them at start: settingsOf(config, ingestSettings)) */
export function ingestConfigFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): IngestConfig {
  return readGroup(ingestSettings, env);
}
