// The `filter`, `filter-lang` and `filter-crs` parameters (Part 3): parsed and checked, or a 400 naming `filter`.
import { BadRequest } from '@datenpool/service-kit';
import { type CrsDefinition, parseCrs } from '../crs.ts';
import type { Queryable } from '../provider.ts';
import { Cql2Error, type Cql2Expression } from './ast.ts';
import { checkCql2 } from './check.ts';
import { parseCql2Json } from './json-parser.ts';
import { parseCql2Text } from './text-parser.ts';

export const filterConformance = [
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions',
] as const;

/** deeper than any filter a person or client writes; the parsers and the checker recurse once per level */
export const MAX_FILTER_NESTING = 64;

/** refuses a filter nested deeper than MAX_FILTER_NESTING before a recursive parser sees it (a stack overflow) */
function checkNesting(filter: string, open: string, close: string): void {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (open.includes(c) && ++depth > MAX_FILTER_NESTING) throw new Cql2Error(`nested deeper than ${MAX_FILTER_NESTING} levels`, i);
    else if (close.includes(c)) depth--;
  }
}

export interface ParsedFilter {
  expression: Cql2Expression;
  crs: CrsDefinition;
}

export function parseFilter(
  filter: string | undefined,
  lang: string | undefined,
  filterCrs: string | undefined,
  queryables: readonly Queryable[],
): ParsedFilter | undefined {
  if (filter === undefined) {
    if (lang !== undefined) throw new BadRequest('filter-lang is given without filter.', { name: 'filter-lang' });
    if (filterCrs !== undefined) throw new BadRequest('filter-crs is given without filter.', { name: 'filter-crs' });
    return undefined;
  }
  const language = lang ?? 'cql2-text';
  if (language !== 'cql2-text' && language !== 'cql2-json') {
    throw new BadRequest(`filter-lang=${language} is not supported; use cql2-text or cql2-json.`, { name: 'filter-lang' });
  }
  const crs = parseCrs(filterCrs, 'filter-crs');
  try {
    checkNesting(filter, language === 'cql2-json' ? '[{' : '(', language === 'cql2-json' ? ']}' : ')');
    const expression = language === 'cql2-json' ? parseCql2Json(filter) : parseCql2Text(filter);
    checkCql2(expression, queryables);
    return { expression, crs };
  } catch (err) {
    if (err instanceof Cql2Error) {
      const at = err.position === undefined ? '' : ` at position ${err.position}`;
      throw new BadRequest(`filter: ${err.message}${at}.`, {
        name: 'filter',
        ...(err.position === undefined ? {} : { position: err.position }),
      });
    }
    throw err;
  }
}
