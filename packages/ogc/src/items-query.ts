// Parses an items request's query string once into a validated ItemsQuery (tipg's dependencies.py).
import { BadRequest } from '@datenpool/service-kit';
import { parseBbox } from './bbox.ts';
import { parseCrs } from './crs.ts';
import { parseFilter } from './cql2/parse-filter.ts';
import { parseDatetime } from './datetime.ts';
import { parsePage } from './paging.ts';
import type { FeatureCollectionSource, ItemsQuery } from './provider.ts';
import { parseSortby } from './sorting.ts';

/** every parameter the items resource understands; anything else is a 400 (/req/core/query-param-unknown) */
export const itemsParameters = [
  'f',
  'limit',
  'offset',
  'bbox',
  'bbox-crs',
  'crs',
  'datetime',
  'properties',
  'filter',
  'filter-lang',
  'filter-crs',
  'sortby',
] as const;

/** the parameters of a single feature */
export const featureParameters = ['f', 'crs', 'properties'] as const;

/** 400 naming the first parameter that is unknown or given twice */
export function rejectUnknownParameters(query: URLSearchParams, allowed: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!allowed.includes(name)) {
      throw new BadRequest(`Unknown query parameter ${name}; this resource accepts ${allowed.join(', ')}.`, { name });
    }
    if (seen.has(name)) throw new BadRequest(`Query parameter ${name} is given more than once.`, { name });
    seen.add(name);
  }
}

function optional(query: URLSearchParams, name: string): string | undefined {
  return query.get(name) ?? undefined;
}

/** the `properties` selection: names of queryables (not the geometry) */
export function parseProperties(value: string | undefined, source: FeatureCollectionSource): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value === '' ? [] : value.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!source.queryables.some((q) => q.name === name)) {
      throw new BadRequest(
        `properties: ${name} is not a property of this collection; properties: ${source.queryables.map((q) => q.name).join(', ')}.`,
        { name: 'properties' },
      );
    }
  }
  return names;
}

export function parseItemsQuery(query: URLSearchParams, source: FeatureCollectionSource): ItemsQuery {
  rejectUnknownParameters(query, itemsParameters);
  const bbox = parseBbox(optional(query, 'bbox'), optional(query, 'bbox-crs'));
  const datetime = parseDatetime(optional(query, 'datetime'));
  const filter = parseFilter(
    optional(query, 'filter'),
    optional(query, 'filter-lang'),
    optional(query, 'filter-crs'),
    source.queryables,
  );
  const sortby = parseSortby(optional(query, 'sortby'), source.queryables);
  const properties = parseProperties(optional(query, 'properties'), source);
  return {
    page: parsePage(optional(query, 'limit'), optional(query, 'offset')),
    crs: parseCrs(optional(query, 'crs'), 'crs'),
    ...(bbox ? { bbox } : {}),
    ...(datetime ? { datetime } : {}),
    ...(filter ? { filter } : {}),
    ...(sortby ? { sortby } : {}),
    ...(properties ? { properties } : {}),
  };
}
