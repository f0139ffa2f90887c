// The `sortby` parameter (Part 5 sortables): `+name,-area_m2`, over the sortable queryables only.
import { BadRequest } from '@datenpool/service-kit';
import type { Queryable, SortKey } from './provider.ts';

export const sortingConformance = ['http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables'] as const;

export function parseSortby(value: string | undefined, queryables: readonly Queryable[]): SortKey[] | undefined {
  if (value === undefined) return undefined;
  const keys = value.split(',').map((raw) => {
    const term = raw.trim();
    const direction: SortKey['direction'] = term.startsWith('-') ? 'desc' : 'asc';
    const name = term.replace(/^[+-]/, '').replace(/^"(.*)"$/, '$1');
    const queryable = queryables.find((q) => q.name === name);
    if (!queryable?.sortable) {
      const sortable = queryables.filter((q) => q.sortable).map((q) => q.name);
      throw new BadRequest(`sortby: ${name || '(empty)'} is not sortable; sortable: ${sortable.join(', ')}.`, {
        name: 'sortby',
      });
    }
    return { name, direction };
  });
  return keys;
}
