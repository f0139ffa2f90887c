// The data message every format writes: observations keyed by the DSD's dimensions, with attributes and revision actions.
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
}

export interface DataMessage {
  flow: Flow;
  /** dimension ids, TIME_PERIOD last */
  dimensions: string[];
  dimensionAtObservation: string;
  /** the attributes the message carries (none for detail=dataonly; VALID_FROM/VALID_TO only when reading changes) */
  attributes: AttributeDef[];
  /** updatedAfter or includeHistory: rows are revisions (ACTION R or D), data sets are grouped by revision time */
  changes: boolean;
  observations: SdmxObservation[];
  /** names of the codes per dimension id */
  labels: Map<string, Map<string, Names>>;
}

export interface DataSetPart {
  action: 'Information' | 'Replace' | 'Delete';
  validFrom?: string;
  observations: SdmxObservation[];
}

/** one data set for a plain read; for changes one per revision time and action, so that no key repeats inside a set */
export function dataSetParts(message: DataMessage): DataSetPart[] {
  if (!message.changes) return [{ action: 'Information', observations: message.observations }];
  const parts = new Map<string, DataSetPart>();
  for (const o of message.observations) {
    const action = o.deleted ? 'Delete' : 'Replace';
    const id = `${o.validFrom}|${action}`;
    let part = parts.get(id);
    if (!part) {
      part = { action, ...(o.validFrom ? { validFrom: o.validFrom } : {}), observations: [] };
      parts.set(id, part);
    }
    part.observations.push(o);
  }
  return [...parts.values()].sort((a, b) => (a.validFrom ?? '').localeCompare(b.validFrom ?? '') || a.action.localeCompare(b.action));
}

function messageAttributes(request: DataRequest): AttributeDef[] {
  if (!request.withAttributes) return [];
  const changes = request.mode.kind === 'history' || request.mode.kind === 'updated';
  return attributes.filter((a) => changes || (a.id !== 'VALID_FROM' && a.id !== 'VALID_TO'));
}

function label(labels: Map<string, Map<string, Names>>, dim: string, code: string, names: Names): void {
  let m = labels.get(dim);
  if (!m) {
    m = new Map();
    labels.set(dim, m);
  }
  if (!m.has(code)) m.set(code, names);
}

/** the labels of the dimensions every row has: its area and its breakdown */
function labelAreaAndBreakdown(
  labels: Map<string, Map<string, Names>>,
  r: { unit_id: string; unit_name: string | null; breakdown: string },
  breakdown: string,
): void {
  label(labels, 'REF_AREA', r.unit_id, { de: r.unit_name ?? r.unit_id, en: r.unit_name ?? r.unit_id });
  label(labels, 'BREAKDOWN', breakdown, { de: breakdownName(r.breakdown, 'de'), en: breakdownName(r.breakdown, 'en') });
}

function dataMessage(
  request: DataRequest,
  attributes: DataMessage['attributes'],
  changes: boolean,
  observations: SdmxObservation[],
  labels: Map<string, Map<string, Names>>,
): DataMessage {
  return {
    flow: request.flow,
    dimensions: [...request.flow.dsd.dimensions.map((d) => d.id), TIME_DIMENSION],
    dimensionAtObservation: request.dimensionAtObservation,
    attributes,
    changes,
    observations,
    labels,
  };
}

function iso(date: Date | null): string | undefined {
  return date ? new Date(date).toISOString() : undefined;
}

export function observationMessage(request: DataRequest, rows: ObservationRevision[]): DataMessage {
  const { flow } = request;
  const variable = flow.variable as NonNullable<Flow['variable']>;
  const labels = new Map<string, Map<string, Names>>();
  const changes = request.mode.kind === 'history' || request.mode.kind === 'updated';
  const attrs = messageAttributes(request);
  const observations = rows.map((r): SdmxObservation => {
    const breakdown = breakdownCode(r.breakdown);
    label(labels, 'VARIABLE', variable.id, { de: variable.label_de, en: variable.label_en });
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
    };
  });
  return dataMessage(request, attrs, changes, observations, labels);
}

export function indicatorMessage(request: DataRequest, catalog: Catalog, rows: IndicatorValueRow[]): DataMessage {
  const labels = new Map<string, Map<string, Names>>();
  const indicators = new Map(catalog.indicators.map((i) => [i.id, i]));
  const changes = request.mode.kind === 'updated';
  const attrs = messageAttributes(request);
  const observations = rows.map((r): SdmxObservation => {
    const breakdown = breakdownCode(r.breakdown);
    const indicator = indicators.get(r.indicator_id);
    label(labels, 'INDICATOR', r.indicator_id, { de: indicator?.label_de ?? r.indicator_id, en: indicator?.label_en ?? r.indicator_id });
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
    };
  });
  return dataMessage(request, attrs, changes, observations, labels);
}
