// Paging (Part 1): `limit` (default 100, larger values clamped to 10 000), `offset`, next/prev links.
import { BadRequest } from '@datenpool/service-kit';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

export interface Page {
  limit: number;
  offset: number;
}

function nonNegativeInteger(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new BadRequest(`${name}=${value} is not a non-negative integer.`, { name });
  }
  const n = Number(value);
  // limit is clamped later; an offset must stay exact
  if (name === 'offset' && !Number.isSafeInteger(n)) {
    throw new BadRequest(`offset=${value} is larger than ${Number.MAX_SAFE_INTEGER}.`, { name });
  }
  return n;
}

/** limit above the maximum is clamped, as /req/core/fc-limit-response-1 allows; 0 and negatives are 400 */
export function parsePage(limit: string | undefined, offset: string | undefined): Page {
  const parsedLimit = limit === undefined ? DEFAULT_LIMIT : nonNegativeInteger(limit, 'limit');
  if (parsedLimit < 1) throw new BadRequest('limit must be at least 1.', { name: 'limit' });
  return {
    limit: Math.min(parsedLimit, MAX_LIMIT),
    offset: offset === undefined ? 0 : nonNegativeInteger(offset, 'offset'),
  };
}

/** offsets of the neighbouring pages; next is omitted when the last page is reached */
export function neighbours(
  page: Page,
  numberReturned: number,
  numberMatched: number | undefined,
): { next?: number; prev?: number } {
  const end = page.offset + numberReturned;
  const more = numberMatched === undefined ? numberReturned === page.limit : end < numberMatched;
  return {
    ...(more ? { next: end } : {}),
    ...(page.offset > 0 ? { prev: Math.max(0, page.offset - page.limit) } : {}),
  };
}
