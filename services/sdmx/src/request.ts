// An SDMX REST data query parsed once: the flow, the key per dimension, the periods, revision parameters, observation dimension.
import { calendarDateSchema, instantSchema, isCalendarDate } from '@datenpool/contracts';
import type { Database, Kysely } from '@datenpool/db';
import { BadRequest, NotFound } from '@datenpool/service-kit';
import { canonicalOfCode, periodRange } from './codes.ts';
import { AGENCY, type Catalog, type Flow, TIME_DIMENSION, VERSION } from './model.ts';
import { existingUnits } from './queries/catalog.ts';
import type { RevisionMode } from './queries/data.ts';
import type { DataQueryParams } from './schemas.ts';

export interface DataRequest {
  flow: Flow;
  /** the public base URL the message's links start with (publicBaseUrl of the HTTP request); '' gives relative links */
  baseUrl?: string;
  /** codes asked for per key dimension (DSD order); null: every code */
  subjects: string[] | null;
  units: string[] | null;
  /** canonical breakdowns */
  breakdowns: string[] | null;
  first: string | null;
  last: string | null;
  mode: RevisionMode;
  /** TIME_PERIOD, AllDimensions or a dimension id */
  dimensionAtObservation: string;
  withAttributes: boolean;
}

/** `DF_X`, `DATENPOOL,DF_X` or `DATENPOOL,DF_X,1.0` (also `all`/`latest` for agency and version) */
export function resolveFlow(catalog: Catalog, ref: string): Flow {
  const parts = ref.split(',');
  const [agency, id, version] = parts.length === 1 ? ['all', parts[0], 'latest'] : [parts[0], parts[1], parts[2] ?? 'latest'];
  const agencyOk = agency === 'all' || agency === '*' || agency === AGENCY;
  const versionOk = version === 'latest' || version === 'all' || version === '*' || version === VERSION;
  const flow = agencyOk && versionOk && parts.length <= 3 ? catalog.flows.find((f) => f.id === id) : undefined;
  if (!flow) {
    throw new NotFound(
      `No dataflow ${ref}: the flows are ${AGENCY},DF_INDICATORS_<LOR version>,${VERSION} and ${AGENCY},DF_VAR_<VARIABLE>,${VERSION} (see /sdmx/2.1/dataflow).`,
    );
  }
  return flow;
}

/**
 * SDMX's instants (updatedAfter, asOf): a day, or a date-time whose seconds and offset may be left out (then :00 and UTC);
 * checked by the shared contracts, so an impossible day (2020-13-45, 0000-01-01) is a 400 naming the parameter, not a database error
 */
function instant(raw: string | undefined, name: string): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(raw);
  const [, day, hm, seconds, offset] = m ?? [];
  const iso = day === undefined ? undefined : hm === undefined ? day : `${day}T${hm}${seconds ?? ':00'}${offset ? offset.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2').toUpperCase() : 'Z'}`;
  const valid = iso !== undefined && (hm === undefined ? calendarDateSchema : instantSchema).safeParse(iso).success;
  if (!valid) {
    throw new BadRequest(`${name}=${raw} is no ISO 8601 instant on a calendar day between the years 1000 and 9999 (e.g. 2024-01-31T12:00:00Z).`, { name });
  }
  return new Date(hm === undefined ? `${iso}T00:00:00Z` : iso);
}

/** an SDMX period as a range of calendar days the database can hold (periodRange lets the year 0000 through) */
function period(raw: string | undefined, name: 'startPeriod' | 'endPeriod'): { first: string; last: string } | null {
  if (!raw) return null;
  const range = periodRange(raw);
  if (range === undefined || !isCalendarDate(range.first) || !isCalendarDate(range.last)) {
    throw new BadRequest(`${name}=${raw} is no SDMX period (YYYY, YYYY-S1, YYYY-Q1, YYYY-MM or YYYY-MM-DD) between the years 1000 and 9999.`, { name });
  }
  return range;
}

function periods(q: DataQueryParams): { first: string | null; last: string | null } {
  const start = period(q.startPeriod, 'startPeriod');
  const end = period(q.endPeriod, 'endPeriod');
  if (start && end && start.first > end.last) {
    throw new BadRequest(`startPeriod=${q.startPeriod} lies after endPeriod=${q.endPeriod}.`, { name: 'startPeriod' });
  }
  return { first: start?.first ?? null, last: end?.last ?? null };
}

function revisionMode(q: DataQueryParams, flow: Flow): RevisionMode {
  const asOf = instant(q.asOf, 'asOf');
  const updatedAfter = instant(q.updatedAfter, 'updatedAfter');
  const history = q.includeHistory === 'true';
  if (asOf && (updatedAfter || history)) {
    throw new BadRequest('asOf cannot be combined with updatedAfter or includeHistory: asOf reads one past state, the others read changes.', { name: 'asOf' });
  }
  if (history && flow.kind === 'indicators') {
    throw new BadRequest('includeHistory is not kept for indicator values (they are recomputed from the observations); use asOf for a past state, or the DF_VAR_ flows for revisions.', { name: 'includeHistory' });
  }
  if (asOf) return { kind: 'asOf', at: asOf };
  if (history) return { kind: 'history', after: updatedAfter ?? null };
  if (updatedAfter) return { kind: 'updated', after: updatedAfter };
  return { kind: 'current' };
}

function keyError(key: string, flow: Flow, message: string): BadRequest {
  const dims = flow.dsd.dimensions.map((d) => d.id).join('.');
  return new BadRequest(`Key "${key}" of ${flow.id}: ${message} The key is ${dims} (codes joined with +, empty for all).`, { name: 'key', in: 'path' });
}

export async function parseDataRequest(db: Kysely<Database>, catalog: Catalog, flow: Flow, key: string | undefined, q: DataQueryParams): Promise<DataRequest> {
  const dims = flow.dsd.dimensions;
  const wildcard = key === undefined || key === '' || key === 'all' || key === 'ALL' || key === '*';
  const parts = wildcard ? dims.map(() => '') : key.split('.');
  if (parts.length !== dims.length) throw keyError(key as string, flow, `it has ${parts.length} dimension values where the structure has ${dims.length}.`);
  const asked = parts.map((p) => (p === '' || p === '*' ? null : p.split('+')));
  for (const [i, codes] of asked.entries()) {
    if (codes?.some((c) => c === '')) throw keyError(key as string, flow, `an empty code in position ${i + 1} (${dims[i]?.id}).`);
  }
  const [subjectCodes, unitCodes, breakdownCodes] = asked as [string[] | null, string[] | null, string[] | null];
  const unknown = (position: number, codes: string[]) =>
    keyError(key as string, flow, `unknown code${codes.length > 1 ? 's' : ''} ${codes.join(', ')} for ${dims[position]?.id} (codelist ${AGENCY}:${dims[position]?.codelist}(${VERSION})).`);

  if (subjectCodes) {
    const valid = flow.kind === 'indicators' ? new Set(catalog.indicators.map((i) => i.id)) : new Set([flow.variable?.id]);
    const bad = subjectCodes.filter((c) => !valid.has(c));
    if (bad.length) throw unknown(0, bad);
  }
  if (unitCodes) {
    const found = await existingUnits(db, flow.lorVersion, unitCodes);
    const bad = unitCodes.filter((c) => !found.has(c));
    if (bad.length) throw unknown(1, bad);
  }
  let breakdowns: string[] | null = null;
  if (breakdownCodes) {
    const mapped = breakdownCodes.map((c) => canonicalOfCode(c, catalog.breakdowns));
    const bad = breakdownCodes.filter((_, i) => mapped[i] === undefined);
    if (bad.length) throw unknown(2, bad);
    breakdowns = mapped as string[];
  }
  const obsDim = q.dimensionAtObservation;
  if (obsDim !== TIME_DIMENSION && obsDim !== 'AllDimensions' && !dims.some((d) => d.id === obsDim)) {
    throw new BadRequest(
      `dimensionAtObservation=${obsDim} is none of TIME_PERIOD, AllDimensions, ${dims.map((d) => d.id).join(', ')}.`,
      { name: 'dimensionAtObservation' },
    );
  }
  return {
    flow,
    subjects: subjectCodes,
    units: unitCodes,
    breakdowns,
    ...periods(q),
    mode: revisionMode(q, flow),
    dimensionAtObservation: obsDim,
    withAttributes: q.detail !== 'dataonly',
  };
}
