// Answers in the export formats beside a route's JSON (CSV, CSVW, xlsx bodies), and the date every value carries.
import type { CsvDialect } from '@datenpool/service-kit';
import { csvwMetadata } from './csv.ts';

/** a year or a date of it → 31 December of that year, the date every value carries */
export function valueDate(date: string | undefined): string | undefined {
  return date ? `${date.slice(0, 4)}-12-31` : undefined;
}

/** sends a body in another format than the route's JSON schema (Buffers are never serialised) */
export function sendBody<R extends { type(t: string): unknown }>(reply: R, type: string, body: Buffer): R {
  (reply.type(type) as { send(p: unknown): unknown }).send(body);
  return reply;
}

/** the CSVW metadata of the CSV that the same URL gives with `f=csv` */
export function sendCsvw<R extends { type(t: string): unknown }>(reply: R, requestUrl: string, title: string, dialect: CsvDialect): R {
  const url = new URL(requestUrl, 'http://localhost');
  url.searchParams.set('f', 'csv');
  return sendBody(reply, 'application/csvm+json', Buffer.from(JSON.stringify(csvwMetadata(`${url.pathname}${url.search}`, title, dialect))));
}
