// The process configuration: the settings every process reads (listening, logging, the database), assembled once at
// start with the groups of the services it runs; a bad value of any of them stops the start naming the variable.
import { isIP } from 'node:net';
import type { DbConfig } from '@datenpool/db';
import { ConfigurationError, defineSettings, duration, flag, integer, oneOf, parsed, readGroup, readSettings, type SettingsGroup, text, url } from './settings.ts';

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ServiceConfig {
  port: number;
  host: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** largest accepted request body in bytes (JSON and forms; ingestion sets its own) */
  bodyLimit: number;
  requestTimeoutMs: number;
  /** how long a streamed export waits for a client that stopped reading before it ends it (its cursor, its connection) */
  exportStallMs: number;
  /** base URL clients see, for links; derived from the request when unset */
  publicUrl?: string | undefined;
  /** Fastify's trustProxy: none, every peer, or these addresses and ranges */
  trustProxy: boolean | string[];
}

/** the configuration a process was started with: ServiceConfig, and every settings group read at start by name */
export interface ProcessConfig extends ServiceConfig {
  readonly settings: Record<string, unknown>;
}

export const serviceSettings = defineSettings({
  name: 'service',
  variables: {
    PORT: integer({ min: 0, max: 65535, default: 3000, description: 'where the gateway (or a service alone) listens; 0: any free port' }),
    HOST: parsed<string>({
      expected: 'an IP address or a host name',
      default: '127.0.0.1',
      parse: (value) => {
        if (isIP(value) === 0 && !HOST_NAME.test(value)) throw new Error('expected an IP address or a host name');
        return value;
      },
      refuses: ['host name', 'http://localhost'],
      description: 'the address it listens on (`0.0.0.0` or `::` for every interface)',
    }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info', description: 'pino level' }),
    BODY_LIMIT: integer({ min: 1, default: 1_048_576, description: 'largest JSON body in bytes (ingestion has its own)' }),
    REQUEST_TIMEOUT_MS: duration({
      min: 1,
      default: 600_000,
      description:
        'time to receive one request; bounds the largest upload (pushes are parsed while they arrive: about 140 s per million CSV rows on a loaded 2-core machine)',
    }),
    EXPORT_STALL_MS: duration({
      min: 1,
      default: 60_000,
      description:
        'how long a streamed export (SDMX data, observations CSV, downloads, WFS) waits for a client that stopped reading (its socket full, nothing taken) before it ends the answer and gives its cursor and database connection back; a client that reads slowly but steadily is not cut off (`test/stream-stall.test.ts`)',
    }),
    PUBLIC_URL: url({
      description:
        "base URL of every link in every document (landing page, collections, features, LOR units, DCAT), with its path (`https://geoportal.berlin.de/datenpool`); unset: the request's scheme and `Host`, replaced by what a trusted proxy (`TRUST_PROXY`) forwards: `Forwarded` (proto, host), else `X-Forwarded-Proto`/`-Host`, and `X-Forwarded-Prefix` for a path (`test/public-url.test.ts`)",
    }),
    TRUST_PROXY: parsed<boolean | string[]>({
      expected: 'true, false, or comma-separated IP addresses, CIDRs and loopback/linklocal/uniquelocal',
      default: false,
      parse: trustProxyOf,
      shown: String,
      refuses: ['10.0.0.0/33', 'somewhere', 'true,10.0.0.1'],
      description:
        'the proxies in front: `X-Forwarded-For` (the client address for rate limits and logs) and `Forwarded`, `X-Forwarded-Host/-Proto/-Prefix` (links) count only from these peers (one rule for both); comma-separated addresses and CIDRs (`127.0.0.1,10.0.0.0/8`; `loopback`, `linklocal`, `uniquelocal` name ranges), `true` trusts every peer (only behind a proxy that overwrites the headers), `false` none. The split deployment starts its services with `loopback` (`infra/split.sh`) or `uniquelocal` (docker compose) so they build links from the gateway\'s headers',
    }),
  },
  assemble: (v): ServiceConfig => ({
    port: v.PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    bodyLimit: v.BODY_LIMIT,
    requestTimeoutMs: v.REQUEST_TIMEOUT_MS,
    exportStallMs: v.EXPORT_STALL_MS,
    publicUrl: v.PUBLIC_URL,
    trustProxy: v.TRUST_PROXY,
  }),
});

/** `true`: every peer; `false`: none; otherwise every entry must be an address, a CIDR or a named range */
function trustProxyOf(value: string): boolean | string[] {
  if (value === 'false') return false;
  if (value === 'true') return true;
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.find((e) => !isProxyAddress(e));
  if (bad !== undefined) throw new Error(`"${bad}" is not true, false, an IP address, a CIDR or loopback/linklocal/uniquelocal`);
  return entries;
}

/** an address, a CIDR (address/prefix length) or a named range that proxy-addr (Fastify's trustProxy) knows */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const POSTGRES = ['postgres:', 'postgresql:'] as const;

export const databaseSettings = defineSettings({
  name: 'database',
  variables: {
    DATABASE_URL: url({ protocols: POSTGRES, description: 'PostgreSQL + PostGIS connection string; unset: embedded PGlite', secret: true }),
    DATABASE_READ_URL: url({
      protocols: POSTGRES,
      secret: true,
      description:
        'a streaming hot standby of `DATABASE_URL` for reads that may lag: features, the LOR hierarchy, indicator values, series, profiles, SDMX, the viewer (their `computedAt` / `Datenpool-Computed-At` say how fresh); writes, recomputes, batch reports and observations (what an agency reads back after a push) stay on the primary; needs `DATABASE_URL`; `/ready` checks both. `bash infra/postgis.sh start-replica` starts such a pair (`test/replica.test.ts`)',
    }),
    DATA_DIR: text({ default: './.data', description: 'folder of the embedded database' }),
    DB_POOL_MAX: integer({ min: 1, default: 10, description: 'pg pool size' }),
    DB_STATEMENT_TIMEOUT_MS: duration({ min: 1, default: 30_000, description: 'statement timeout on PostgreSQL' }),
    DB_PREPARED_STATEMENTS: flag({
      default: true,
      description:
        'a parameterised statement run three times becomes a named prepared statement of each session (parsed once per session, planned per execution); false behind a connection pooler in transaction mode, which does not keep a session per client',
    }),
  },
  // a standby of the embedded database cannot exist
  check: (v) => (v.DATABASE_READ_URL && !v.DATABASE_URL ? [{ variable: 'DATABASE_READ_URL', message: 'needs DATABASE_URL (its primary)' }] : []),
  assemble: (v): DbConfig => ({
    databaseUrl: v.DATABASE_URL,
    databaseReadUrl: v.DATABASE_READ_URL,
    dataDir: v.DATA_DIR,
    poolMax: v.DB_POOL_MAX,
    statementTimeoutMs: v.DB_STATEMENT_TIMEOUT_MS,
    preparedStatements: v.DB_PREPARED_STATEMENTS,
  }),
});

/** errors of reaching a server (network, authentication, no such database): the setting is what to fix */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', '28P01', '28000', '3D000']);

/**
 * an error opening the database as the start reports it: one that says the server of DATABASE_URL cannot be reached
 * names the variable and the server (never the password); any other is left as it is
 */
export function databaseOpenError(err: unknown, config: DbConfig): unknown {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (!config.databaseUrl || typeof code !== 'string' || !UNREACHABLE.has(code)) return err;
  const target = new URL(config.databaseUrl);
  const where = `${target.hostname}${target.port ? `:${target.port}` : ''}${target.pathname}`;
  return new ConfigurationError([{ variable: 'DATABASE_URL', message: `cannot open the database at ${where}: ${(err as Error).message} (${code})` }]);
}

/** the settings every process reads, before the groups of what it runs */
export const baseSettings: readonly SettingsGroup<unknown>[] = [serviceSettings, databaseSettings];

const serviceVariables: Record<keyof ServiceConfig, string> = {
  port: 'PORT',
  host: 'HOST',
  logLevel: 'LOG_LEVEL',
  bodyLimit: 'BODY_LIMIT',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  exportStallMs: 'EXPORT_STALL_MS',
  publicUrl: 'PUBLIC_URL',
  trustProxy: 'TRUST_PROXY',
};

/**
 * the process configuration from `env`: the base settings and `groups`, each read once; `defaults` are the process's
 * own defaults where a variable is unset (a service alone listens on its own port). Throws one ConfigurationError
 * naming every bad variable.
 */
export function processConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  defaults: Partial<ServiceConfig> = {},
  groups: readonly SettingsGroup<unknown>[] = [],
): ProcessConfig {
  const settings = readSettings([...baseSettings, ...groups], env);
  const service = { ...(settings.service as ServiceConfig) };
  for (const [key, value] of Object.entries(defaults) as Array<[keyof ServiceConfig, never]>) {
    const raw = env[serviceVariables[key]];
    if ((raw === undefined || raw === '') && value !== undefined) service[key] = value;
  }
  return { ...service, settings: { ...settings, service } };
}

/**
 * the service settings alone, for an app a test or a tool assembles by hand: the other groups are read from the
 * process environment when first asked for (settingsOf)
 */
export function serviceConfigFromEnv(env: Readonly<Record<string, string | undefined>> = process.env, defaults: Partial<ServiceConfig> = {}): ProcessConfig {
  const service = { ...readGroup(serviceSettings, env) };
  for (const [key, value] of Object.entries(defaults) as Array<[keyof ServiceConfig, never]>) {
    const raw = env[serviceVariables[key]];
    if ((raw === undefined || raw === '') && value !== undefined) service[key] = value;
  }
  return { ...service, settings: { service } };
}

/**
 * a group's value in this process's configuration. A process started through openProcessContext read it at start;
 * a configuration assembled by hand (tests, tools) reads a group it lacks from the environment on first use, once.
 */
export function settingsOf<T>(config: ServiceConfig, group: SettingsGroup<T>): T {
  const assembled = config as Partial<ProcessConfig> & { settings?: Record<string, unknown> };
  const settings = assembled.settings ?? {};
  if (!(group.name in settings)) {
    settings[group.name] = readGroup(group, process.env);
    if (!assembled.settings) Object.defineProperty(config, 'settings', { value: settings, enumerable: false });
  }
  return settings[group.name] as T;
}
