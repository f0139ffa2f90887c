// Gateway settings (upstream URLs of proxied services, front-door limits, CORS) and the settings of the whole
// process the gateway starts: its own, OGC's and every service's groups, read at once at start.
import { ogcSettings } from '@datenpool/ogc';
import { defineSettings, duration, integer, list, readGroup, type Setting, type SettingsGroup, url } from '@datenpool/service-kit';
import { services } from './services.ts';

export interface GatewayConfig {
  /** requests per window and client (a verified API key, else the address); probes are exempt */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** requests per window and address that carry a key not verified before (each costs a scrypt hash) */
  rateLimitUnknownKeyMax: number;
  /** origins allowed to write cross-site; reads are open to every origin */
  corsOrigins: string[];
  /** how long the gateway waits for a proxied service's answer headers and body */
  proxyTimeoutMs: number;
  proxyConnectTimeoutMs: number;
  /** `<NAME>_URL` per service: proxy to it instead of mounting in-process */
  upstreams: Record<string, string>;
}

const isOrigin = (entry: string) => URL.canParse(entry) && new URL(entry).origin === entry;

/** the gateway's group for these services (one `<NAME>_URL` each) */
export function gatewaySettingsFor(serviceNames: readonly string[]): SettingsGroup<GatewayConfig> {
  const upstreamVariables: Record<string, Setting<string | undefined>> = {};
  for (const name of serviceNames) {
    upstreamVariables[`${name.toUpperCase()}_URL`] = url({ description: `proxy the ${name} service's routes to its own process at this URL instead of mounting it in-process` });
  }
  return defineSettings({
    name: 'gateway',
    variables: {
      RATE_LIMIT_MAX: integer({
        min: 1,
        default: 6000,
        description:
          'requests per window (`RATE_LIMIT_WINDOW_MS`) per verified API key, else per address; `/health` and `/ready` are exempt. A map client draws a collection page by page: the full extent of the bench\'s 100 000 polygons at the default page of 100 is 1 000 requests, so the default lets one address draw it about six times a minute (the former 600 refused the first full draw)',
      }),
      RATE_LIMIT_WINDOW_MS: duration({ min: 1, default: 60_000, description: 'the window of the rate limits' }),
      RATE_LIMIT_UNKNOWN_KEY_MAX: integer({
        min: 1,
        default: 10,
        description:
          'requests per window and address that carry an API key not verified before: each costs a scrypt hash, so rotating bogus keys are refused with 429 before any hashing once an address spent these; a key that verified once is limited as its own client',
      }),
      CORS_ORIGINS: list({
        item: { expected: 'an origin (scheme://host[:port], no path)', valid: isOrigin, refuses: ['planung.berlin.de', 'https://planung.berlin.de/'] },
        description: 'origins allowed to write cross-site; reads are open to all',
      }),
      PROXY_TIMEOUT_MS: duration({ min: 1, default: 30_000, description: "how long the gateway waits for a proxied service's answer (504 problem)" }),
      PROXY_CONNECT_TIMEOUT_MS: duration({ min: 1, default: 2_000, description: 'how long the gateway waits to connect to a proxied service (502 problem)' }),
      ...upstreamVariables,
    },
    assemble: (v): GatewayConfig => {
      const values = v as Record<string, unknown>;
      const upstreams: Record<string, string> = {};
      for (const name of serviceNames) {
        const upstream = values[`${name.toUpperCase()}_URL`];
        if (typeof upstream === 'string') upstreams[name] = upstream;
      }
      return {
        rateLimitMax: v.RATE_LIMIT_MAX,
        rateLimitWindowMs: v.RATE_LIMIT_WINDOW_MS,
        rateLimitUnknownKeyMax: v.RATE_LIMIT_UNKNOWN_KEY_MAX,
        corsOrigins: v.CORS_ORIGINS,
        proxyTimeoutMs: v.PROXY_TIMEOUT_MS,
        proxyConnectTimeoutMs: v.PROXY_CONNECT_TIMEOUT_MS,
        upstreams,
      };
    },
  });
}

/** the gateway's group for the services it mounts */
export const gatewaySettings = gatewaySettingsFor(services.map((s) => s.name));

/** every settings group a gateway process reads at start (after the base settings of service-kit) */
export const gatewayProcessSettings: readonly SettingsGroup<unknown>[] = [gatewaySettings, ogcSettings, ...services.flatMap((s) => s.settings ?? [])];

/** the gateway settings from `env` alone, with upstreams for `serviceNames` (tests; a start reads gatewaySettings) */
export function gatewayConfigFromEnv(env: Readonly<Record<string, string | undefined>>, serviceNames: readonly string[]): GatewayConfig {
  return readGroup(gatewaySettingsFor(serviceNames), env);
}
