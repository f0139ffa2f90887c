// Links (OGC API / RFC 8288): the shape, media types and URL building from the request; the base URL they start
// with is service-kit's publicBaseUrl (PUBLIC_URL, or the request as a trusted proxy forwarded it).
import type { FastifyRequest } from 'fastify';

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
  hreflang?: string;
}

export const mediaTypes = {
  json: 'application/json',
  geojson: 'application/geo+json',
  html: 'text/html',
  schema: 'application/schema+json',
  openapi: 'application/vnd.oai.openapi+json;version=3.0',
} as const;

/** the request's path with the given query parameters replaced (undefined removes one) */
export function withQuery(path: string, query: URLSearchParams, changes: Record<string, string | undefined>): string {
  const next = new URLSearchParams(query);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) next.delete(key);
    else next.set(key, value);
  }
  const text = next.toString();
  return text ? `${path}?${text}` : path;
}

/** the raw query string of a request as URLSearchParams (every parameter as the client sent it) */
export function requestQuery(request: FastifyRequest): URLSearchParams {
  const i = request.url.indexOf('?');
  return new URLSearchParams(i >= 0 ? request.url.slice(i + 1) : '');
}

/** the self and alternate links of a resource offered as JSON (or GeoJSON) and HTML */
export function selfAndAlternate(href: (f: string) => string, json: string, format: 'json' | 'html'): Link[] {
  const jsonLink = { href: href('json'), type: json, title: 'This document as JSON' };
  const htmlLink = { href: href('html'), type: mediaTypes.html, title: 'This document as HTML' };
  return format === 'html'
    ? [
        { ...htmlLink, rel: 'self' },
        { ...jsonLink, rel: 'alternate' },
      ]
    : [
        { ...jsonLink, rel: 'self' },
        { ...htmlLink, rel: 'alternate' },
      ];
}
