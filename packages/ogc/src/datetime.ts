// The `datetime` parameter (Part 1): an instant or a closed or half-bounded interval, as dates.
import { BadRequest } from '@datenpool/service-kit';

export interface DateInterval {
  /** inclusive bounds as ISO dates (YYYY-MM-DD); null where open ('..' or empty) */
  start: string | null;
  end: string | null;
}

const instant = /^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function parseInstant(value: string, original: string): string {
  const match = instant.exec(value);
  const day = match?.[1];
  const time = match ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : Number.NaN;
  if (!day || Number.isNaN(time) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
    throw new BadRequest(`datetime=${original} is not an RFC 3339 date-time, date or interval.`, { name: 'datetime' });
  }
  return day;
}

export function parseDatetime(value: string | undefined): DateInterval | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('/');
  if (parts.length > 2 || value === '') {
    throw new BadRequest(`datetime=${value} is not an RFC 3339 date-time, date or interval.`, { name: 'datetime' });
  }
  if (parts.length === 1) {
    const day = parseInstant(value, value);
    return { start: day, end: day };
  }
  const [a = '', b = ''] = parts;
  const open = (p: string) => p === '' || p === '..';
  if (open(a) && open(b)) {
    throw new BadRequest('datetime interval is open at both ends.', { name: 'datetime' });
  }
  const start = open(a) ? null : parseInstant(a, value);
  const end = open(b) ? null : parseInstant(b, value);
  if (start && end && start > end) {
    throw new BadRequest('datetime interval ends before it starts.', { name: 'datetime' });
  }
  return { start, end };
}
