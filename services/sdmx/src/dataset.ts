// The data message every format writes: observations keyed by the DSD's dimensions, with attributes and revision actions,
// read in batches from a cursor so that a large message is written while it is read.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { SLICE_ROWS } from '@datenpool/db';
import { breakdownCode, breakdownName, confStatus, obsStatus, timePeriod } from './codes.ts';
import { type AttributeDef, attributes, type Catalog, type Flow, type Names, TIME_DIMENSION } from './model.ts';
import type { IndicatorValueRow, ObservationRevision } from './queries/data.ts';
import type { DataRequest } from './request.ts';

export type AttributeId = AttributeDef['id'];

export interface SdmxObservation {
  /** codes in dimension order, TIME_PERIOD last */
  key: string[];
  value: number | null;
  attributes: Partial<Record<AttributeId, string>>;
  deleted: boolean;
  validFrom: string | null;
  /** its place in series order where the rows were read in another order (changes grouped by revision) */
  rank?: number;
}

export interface DataMessage {
  flow: Flow;
  /** the public base URL of the message's links */
  baseUrl: string;
  /** dimension ids, TIME_PERIOD last */
  dimensions: string[];
  dimensionAtObservation: string;
  /** the attributes the message carries (none for detail=dataonly; VALID_FROM/VALID_TO only when reading changes) */
  attributes: AttributeDef[];
  /** updatedAfter or includeHistory: rows are revisions (ACTION R or D), data sets are grouped by revision time */
  changes: boolean;
}

/** the observations of a message, read in batches as the formats write them */
export interface Observations {
  /** one pass in message order; a second pass reads the same observations again (SDMX-JSON indexes its codes first) */
  read(): AsyncIterable<SdmxObservation[]>;
  /** names of the codes per dimension id, of the observations read so far */
  labels: Map<string, Map<string, Names>>;
}

export interface DataSetPart {
  action: 'Information' | 'Replace' | 'Delete';
  validFrom?: string;
  observations: SdmxObservation[];
}

/** the data set an observation belongs to: one for a plain read; for changes one per revision time and action */
export function partOf(message: DataMessage, o: SdmxObservation): Omit<DataSetPart, 'observations'> & { id: string } {
  if (!message.changes) return { id: '', action: 'Information' };
  const action = o.deleted ? 'Delete' : 'Replace';
  return { id: `${o.validFrom}|${action}`, action, ...(o.validFrom ? { validFrom: o.validFrom } : {}) };
}

/** one data set for a plain read; for changes one per revision time and action, so that no key repeats inside a set */
export function dataSetParts(message: DataMessage, observations: SdmxObservation[]): DataSetPart[] {
  if (!message.changes) return [{ action: 'Information', observations }];
  const parts = new Map<string, DataSetPart>();
  for (const o of observations) {
    const { id, ...head } = partOf(message, o);
    let part = parts.get(id);
    if (!part) {
      part = { ...head, observations: [] };
      parts.set(id, part);
    }
    part.observations.push(o);
  }
  return [...parts.values()].sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? '') || a.action.localeCompare(b.action));
}

/** the key positions of a series (every dimension but the observation's), none for AllDimensions */
export function seriesPositions(message: DataMessage): number[] {
  if (message.dimensionAtObservation === 'AllDimensions') return [];
  const obs = message.dimensions.indexOf(message.dimensionAtObservation);
  return message.dimensions.map((_, i) => i).filter((i) => i !== obs);
}

/**
 * true where the rows' order (series by series, grouped by revision for changes: see RowOrder) is already the order
 * the formats write, so that they write each observation as it comes; an observation dimension other than
 * TIME_PERIOD groups series across that order, and the message is regrouped in memory ({@link regrouped})
 */
export function streamable(message: DataMessage): boolean {
  return message.dimensionAtObservation === TIME_DIMENSION || message.dimensionAtObservation === 'AllDimensions';
}

/** the observations in the formats' order: by data set, then by series in order of first appearance */
export function regrouped(message: DataMessage, observations: SdmxObservation[]): SdmxObservation[] {
  const positions = seriesPositions(message);
  return dataSetParts(message, observations).flatMap((part) => {
    if (positions.length === 0) return part.observations;
    const series = new Map<string, SdmxObservation[]>();
    for (const o of part.observations) {
      const key = positions.map((p) => o.key[p]).join('\u0000');
      const list = series.get(key);
      if (list) list.push(o);
      else series.set(key, [o]);
    }
    return [...series.values()].flat();
  });
}

/**
 * observations held in memory, in slices of SLICE_ROWS per pass with one event-loop turn between them: a writer
 * formats a slice in one synchronous run, never the whole message
 */
export function observationsInMemory(observations: SdmxObservation[], labels: Map<string, Map<string, Names>>): Observations {
  return {
    labels,
    async *read() {
      for (let at = 0; at < observations.length; at += SLICE_ROWS) {
        if (at > 0) await yieldToEventLoop();
        yield observations.slice(at, at + SLICE_ROWS);
      }
    },
  };
}

/** observations mapped batch by batch from rows read through a cursor pass */
export function observationsFrom<R>(pass: () => AsyncIterable<R[]>, map: ObservationMapper<R>): Observations {
  const labels = new Map<string, Map<string, Names>>();
  return {
    labels,
    async *read() {
      for await (const rows of pass()) yield rows.map((r) => map(r, labels));
    },
  };
}

/** every observation of `source`, in memory */
export async function collect(source: Observations): Promise<SdmxObservation[]> {
  const all: SdmxObservation[] = [];
  for await (const batch of source.read()) for (const o of batch) all.push(o);
  return all;
}

/** one row as an observation; records the names of its codes in `labels` */
export type ObservationMapper<R> = (row: R, labels: Map<string, Map<string, Names>>) => SdmxObservation;

function messageAttributes(request: DataRequest): AttributeDef[] {
  if (!request.withAttributes) return [];
  const changes = request.mode.kind === 'history' || request.mode.kind === 'updated';
  return attributes.filter((a) => changes || (a.id !== 'VALID_FROM' && a.id !== 'VALID_TO'));
}

/** records the names of a code the first time it is seen (`names` is asked only then: a mapper runs once per row) */
function label(labels: Map<string, Map<string, Names>>, dim: string, code: string, names: () => Names): void {
  let m = labels.get(dim);
  if (!m) {
    m = new Map();
    labels.set(dim, m);
  }
  if (!m.has(code)) m.set(code, names());
}

/** the labels of the dimensions every row has: its area and its breakdown */
function labelAreaAndBreakdown(
  labels: Map<string, Map<string, Names>>,
  r: { unit_id: string; unit_name: string | null; breakdown: string },
  breakdown: string,
): void {
  label(labels, 'REF_AREA', r.unit_id, () => ({ de: r.unit_name ?? r.unit_id, en: r.unit_name ?? r.unit_id }));
  label(labels, 'BREAKDOWN', breakdown, () => ({ de: breakdownName(r.breakdown, 'de'), en: breakdownName(r.breakdown, 'en') }));
}

/** breakdownCode remembered per canonical breakdown: a message has a few dozen breakdowns over 100 000s of rows */
function breakdownCodes(): (canonical: string) => string {
  const codes = new Map<string, string>();
  return (canonical) => {
    let code = codes.get(canonical);
    if (code === undefined) {
      code = breakdownCode(canonical);
      codes.set(canonical, code);
    }
    return code;
  };
}

export function dataMessage(request: DataRequest): DataMessage {
  const changes = request.mode.kind === 'history' || request.mode.kind === 'updated';
  return {
    flow: request.flow,
    baseUrl: request.baseUrl ?? '',
    dimensions: [...request.flow.dsd.dimensions.map((d) => d.id), TIME_DIMENSION],
    dimensionAtObservation: request.dimensionAtObservation,
    attributes: messageAttributes(request),
    changes,
  };
}

function iso(date: Date | null): string | undefined {
  return date ? new Date(date).toISOString() : undefined;
}

export function observationMapper(request: DataRequest): ObservationMapper<ObservationRevision> {
  const { flow } = request;
  const variable = flow.variable as NonNullable<Flow['variable']>;
  const changes = request.mode.kind === 'history' || request.mode.kind === 'updated';
  const attrs = messageAttributes(request);
  const codeOf = breakdownCodes();
  return (r, labels) => {
    const breakdown = codeOf(r.breakdown);
    label(labels, 'VARIABLE', variable.id, () => ({ de: variable.label_de, en: variable.label_en }));
    labelAreaAndBreakdown(labels, r, breakdown);
    const attributes: SdmxObservation['attributes'] = {};
    if (attrs.length) {
      if (!r.deleted) attributes.OBS_STATUS = obsStatus(r.status);
      const conf = r.status === 'suppressed' ? confStatus(r.suppression ?? 'disclosure') : undefined;
      if (conf) attributes.CONF_STATUS = conf;
      if (changes) {
        attributes.VALID_FROM = iso(r.valid_from);
        attributes.VALID_TO = iso(r.valid_to);
      }
    }
    return {
      key: [variable.id, r.unit_id, breakdown, timePeriod(r.ref_date, flow.timeFormat)],
      value: r.deleted ? null : r.value,
      attributes,
      deleted: r.deleted,
      validFrom: changes ? (iso(r.valid_from) ?? null) : null,
      ...(r.series_rank === undefined ? {} : { rank: r.series_rank }),
    };
  };
}

export function indicatorMapper(request: DataRequest, catalog: Catalog): ObservationMapper<IndicatorValueRow> {
  const indicators = new Map(catalog.indicators.map((i) => [i.id, i]));
  const changes = request.mode.kind === 'updated';
  const attrs = messageAttributes(request);
  const codeOf = breakdownCodes();
  return (r, labels) => {
    const breakdown = codeOf(r.breakdown);
    label(labels, 'INDICATOR', r.indicator_id, () => {
      const indicator = indicators.get(r.indicator_id);
      return { de: indicator?.label_de ?? r.indicator_id, en: indicator?.label_en ?? r.indicator_id };
    });
    labelAreaAndBreakdown(labels, r, breakdown);
    const attributes: SdmxObservation['attributes'] = {};
    if (attrs.length) {
      attributes.OBS_STATUS = obsStatus(r.status);
      const conf = r.status === 'suppressed' ? confStatus(r.suppression ?? 'disclosure') : undefined;
      if (conf) attributes.CONF_STATUS = conf;
      if (changes) attributes.VALID_FROM = iso(r.computed_at);
    }
    return {
      key: [r.indicator_id, r.unit_id, breakdown, timePeriod(r.ref_date, 'annual')],
      value: r.value,
      attributes,
      deleted: false,
      validFrom: changes ? (iso(r.computed_at) ?? null) : null,
      ...(r.series_rank === undefined ? {} : { rank: r.series_rank }),
    };
  };
}
