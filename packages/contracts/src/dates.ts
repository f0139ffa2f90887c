// Dates and instants as query parameters: real calendar days and instants PostgreSQL can store, checked once here.
// A pattern alone let `2020-13-45` and `0000-01-01T00:00:00Z` through to the database, which answered with an error (a 500).
import { z } from 'zod';

/** a day of the Gregorian calendar between the years 1000 and 9999 */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1000 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `YYYY-MM-DD`, a real day */
export const calendarDateSchema = z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD (years 1000–9999)');

/** an ISO 8601 instant with offset, on a real day between the years 1000 and 9999 */
export const instantSchema = z.iso
  .datetime({ offset: true })
  .refine((text) => isCalendarDate(text.slice(0, 10)), 'must be an instant on a calendar day (years 1000–9999)');
