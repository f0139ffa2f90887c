// A facility dataset delivered as a whole: points read with their properties, joined to the finest unit with geometry of
// every LOR version, counted per unit as batches of the pipeline, and kept as points once the counts have landed.
import type { Database, Kysely } from '@datenpool/db';
import { Conflict, type RowError } from '@datenpool/service-kit';
import { finestLevelWithGeometry, joinPoints, lorVersionIds, replaceFacilities, type StoredFacility, unitsOfLevel } from '../queries/facilities.ts';
import { parseJsonText } from '../parsers/json.ts';
import { type Actor, type BatchOptions, type BatchResult, resolveTarget, runBatch, type Target } from './batch.ts';
import { capacityOf, coordinateFault, sridOf } from './facilities.ts';
import { breakdownCode, type FacilityDatasetSpec } from './facility-datasets.ts';
import { MalformedBody, type RawRow } from './rows.ts';

export interface FacilityFeature {
  /** the n-th feature of the collection */
  row: number;
  id: string;
  x: number;
  y: number;
  name: string | null;
  places: number | null;
  schulart: string | null;
  traeger: string | null;
  properties: Record<string, unknown>;
}

export interface FacilityFeatures {
  srid: 25833 | 4326;
  features: FacilityFeature[];
  errors: RowError[];
  /** how many features the collection holds, valid or not */
  total: number;
}

const text = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

/** reads a FeatureCollection of a facility dataset; every feature needs its id, a Point and (where counted) its places */
export function readFacilityFeatures(body: string, spec: FacilityDatasetSpec): FacilityFeatures {
  const doc = parseJsonText(body) as Record<string, unknown>;
  if (!doc || typeof doc !== 'object' || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    throw new MalformedBody('The body must be a GeoJSON FeatureCollection of points.');
  }
  const srid = sridOf(doc);
  const features: FacilityFeature[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  (doc.features as unknown[]).forEach((raw, index) => {
    const row = index + 1;
    const f = raw as { geometry?: { type?: unknown; coordinates?: unknown }; properties?: Record<string, unknown> } | null;
    const properties = f?.properties && typeof f.properties === 'object' ? f.properties : {};
    const id = text(properties[spec.idProperty]);
    const named = id ? `Feature ${spec.idProperty}=${id}` : `Feature ${row}`;
    if (!id) {
      errors.push({ row, field: spec.idProperty, code: 'missing-id', message: `${named} has no ${spec.idProperty}: the id of a ${spec.id} feature.` });
      return;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      errors.push({ row, field: spec.idProperty, code: 'duplicate-id', message: `${named}: the same id as feature ${first}.` });
      return;
    }
    seen.set(id, row);
    const coords = f?.geometry?.type === 'Point' ? f.geometry.coordinates : undefined;
    const [x, y] = Array.isArray(coords) ? coords : [];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      errors.push({ row, field: 'geometry', code: 'not-a-point', message: `${named} has no Point geometry with two finite coordinates.` });
      return;
    }
    const outside = coordinateFault(x, y, srid);
    if (outside) {
      errors.push({ row, field: 'geometry', code: 'coordinates-out-of-range', message: `${named}: ${outside}.` });
      return;
    }
    let places: number | null = null;
    if (spec.placesProperty) {
      const p = capacityOf(properties[spec.placesProperty]);
      if (p === undefined || !Number.isInteger(p)) {
        errors.push({ row, field: spec.placesProperty, code: 'invalid-capacity', message: `${named}: ${spec.placesProperty} is not a whole number of places.` });
        return;
      }
      places = p;
    }
    features.push({
      row,
      id,
      x,
      y,
      name: text(properties[spec.nameProperty]),
      places,
      schulart: spec.schulartProperty ? text(properties[spec.schulartProperty]) : null,
      traeger: spec.traegerProperty ? text(properties[spec.traegerProperty]) : null,
      properties,
    });
  });
  return { srid, features, errors, total: (doc.features as unknown[]).length };
}

/** the finest level with geometry of a version and, per feature, the unit containing it (null: none) */
interface VersionJoin {
  version: string;
  level: string;
  units: (string | null)[];
}

async function joinEveryVersion(db: Kysely<Database>, read: FacilityFeatures): Promise<VersionJoin[]> {
  const joins: VersionJoin[] = [];
  for (const version of await lorVersionIds(db)) {
    const level = await finestLevelWithGeometry(db, version);
    if (!level) continue;
    joins.push({ version, level, units: await joinPoints(db, version, level, read.features, read.srid) });
  }
  if (joins.length === 0) throw new Conflict('No LOR version has unit geometry to join points to.');
  return joins;
}

export interface FacilityDeliveryResult extends BatchResult {
  /** the features that were stored and counted */
  stored: number;
  /** every feature rejected, once (the same feature's rows are rejected in each batch) */
  rejected: RowError[];
}

/**
 * Delivers a facility dataset: one batch per counted variable and LOR version (count, count per breakdown code,
 * capacity), then the points replace the dataset's stored ones. A feature with an error (no id, not a point, no
 * places, on no unit of some version, an unknown breakdown code) is a row error naming its id in every batch and is
 * neither counted nor stored. An atomic delivery with any such error is refused (422) before anything is stored.
 */
export async function ingestFacilityDelivery(
  db: Kysely<Database>,
  spec: FacilityDatasetSpec,
  read: FacilityFeatures,
  date: string,
  options: BatchOptions,
  actor: Actor,
  checksum: () => string | null,
): Promise<FacilityDeliveryResult> {
  const joins = await joinEveryVersion(db, read);
  const errors = [...read.errors];
  const rejected = new Set<number>(errors.map((e) => e.row));
  const named = (f: FacilityFeature) => `Feature ${spec.idProperty}=${f.id}`;
  // the codes are the same in every version: one target to read them from
  const codes = spec.breakdown ? ((await resolveTarget(db, spec.count, joins[0]!.version, actor)).variable.breakdowns[spec.breakdown.dimension] ?? []) : [];
  read.features.forEach((f, i) => {
    for (const join of joins) {
      if (join.units[i]) continue;
      errors.push({
        row: f.row,
        field: 'geometry',
        code: 'outside-berlin',
        message: `${named(f)}: the point (${f.x}, ${f.y}) lies in no ${join.level} of LOR ${join.version}.`,
      });
      rejected.add(f.row);
    }
    if (spec.breakdown) {
      const value = text(f.properties[spec.breakdown.property]);
      const code = value === null ? '' : breakdownCode(value);
      if (!codes.includes(code)) {
        errors.push({
          row: f.row,
          field: spec.breakdown.property,
          code: 'unknown-code',
          message: `${named(f)}: ${spec.breakdown.property} ${JSON.stringify(value)} (code ${JSON.stringify(code)}) is not one of ${spec.count}'s ${spec.breakdown.dimension} codes.`,
        });
        rejected.add(f.row);
      }
    }
  });
  errors.sort((a, b) => a.row - b.row);
  const accepted = read.features.map((f, i) => ({ f, i })).filter(({ f }) => !rejected.has(f.row));

  const batches: Record<string, unknown>[] = [];
  let first: BatchResult | undefined;
  for (const join of joins) {
    const units = await unitsOfLevel(db, join.version, join.level);
    const unitRows = (measure: (f: FacilityFeature) => number, breakdown: Record<string, string>) => {
      const values = new Map(units.map((u) => [u, 0]));
      for (const { f, i } of accepted) values.set(join.units[i]!, (values.get(join.units[i]!) ?? 0) + measure(f));
      return [...values].map(([unit, value]) => ({ unit, date, value, breakdown }));
    };
    const deliveries: Array<{ variable: string; rows: Omit<RawRow, 'row'>[] }> = [];
    const countRows = unitRows(() => 1, {});
    if (spec.breakdown) {
      const { dimension, property } = spec.breakdown;
      for (const code of codes) {
        countRows.push(...unitRows((f) => (breakdownCode(text(f.properties[property]) ?? '') === code ? 1 : 0), { [dimension]: code }));
      }
    }
    deliveries.push({ variable: spec.count, rows: countRows });
    if (spec.capacity) deliveries.push({ variable: spec.capacity, rows: unitRows((f) => f.places ?? 0, {}) });
    for (const delivery of deliveries) {
      const target: Target = await resolveTarget(db, delivery.variable, join.version, actor);
      // feature errors first (rows = feature numbers), then the unit rows numbered after the features
      const rows: RawRow[] = [
        ...errors.map((e) => ({ row: e.row, breakdown: {}, errors: [e] })),
        ...delivery.rows.map((r, n) => ({ ...r, row: read.total + n + 1 })),
      ];
      const result = await runBatch(db, target, { ...options, idempotencyKey: first ? null : options.idempotencyKey }, actor, rows, checksum);
      first ??= result;
      batches.push(result.body);
    }
  }

  if (!options.dryRun) {
    const stored: StoredFacility[] = accepted.map(({ f, i }) => ({
      id: f.id,
      name: f.name,
      places: f.places,
      schulart: f.schulart,
      traeger: f.traeger,
      properties: f.properties,
      x: f.x,
      y: f.y,
      units: Object.fromEntries(joins.map((j) => [j.version, [j.level, j.units[i]!]])),
    }));
    await replaceFacilities(
      db,
      {
        id: spec.id,
        title: spec.title,
        description: spec.description,
        agencyId: actor.agencyId ?? (await resolveTarget(db, spec.count, joins[0]!.version, actor)).variable.agency_id,
        referenceDate: date,
        source: spec.source,
        licence: spec.licence,
        batchId: (first!.body.id as string | undefined) ?? null,
      },
      stored,
      read.srid,
    );
  }
  const rejectedFeatures = errors.filter((e, n) => errors.findIndex((o) => o.row === e.row) === n);
  return {
    statusCode: first!.statusCode,
    totalErrors: errors.length,
    body: { dataset: spec.id, levels: Object.fromEntries(joins.map((j) => [j.version, j.level])), points: read.total, stored: accepted.length, batches },
    stored: accepted.length,
    rejected: rejectedFeatures,
  };
}
