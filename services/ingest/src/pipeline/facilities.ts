// Facility datasets (GeoJSON points): joined to LOR units in PostGIS, pushed as counts and capacity sums.
import type { Database, Kysely } from '@datenpool/db';
import { BadRequest, Conflict, HttpProblem, type RowError } from '@datenpool/service-kit';
import type { IngestConfig } from '../config.ts';
import type { UploadBody } from '../parsers/body.ts';
import { parseJsonText } from '../parsers/json.ts';
import { storeResult } from '../queries/batches.ts';
import { finestLevelWithGeometry, joinPoints, unitsOfLevel } from '../queries/facilities.ts';
import type { PushQuery } from '../schemas.ts';
import { type Actor, type BatchOptions, type BatchResult, resolveTarget, runBatch, type Target } from './batch.ts';
import { facilityDatasetOfVariable, type FacilityDatasetSpec } from './facility-datasets.ts';
import { type FacilityFeatures, ingestFacilityDelivery, readFacilityFeatures } from './facility-delivery.ts';
import { MalformedBody, type RawRow } from './rows.ts';

interface FacilityPoint {
  row: number;
  x: number;
  y: number;
  capacity: number;
}

export interface FacilityDataset {
  srid: 25833 | 4326;
  points: FacilityPoint[];
  errors: RowError[];
  features: number;
}

/** the CRS a FeatureCollection declares in its `crs` member: EPSG:25833 or CRS84 (the default) */
export function sridOf(doc: Record<string, unknown>): 25833 | 4326 {
  const crs = doc.crs as { properties?: { name?: unknown } } | undefined;
  const name = typeof crs?.properties?.name === 'string' ? crs.properties.name : undefined;
  if (!name || /CRS84$/i.test(name)) return 4326;
  if (/EPSG(::|:|\/0\/)25833$/i.test(name)) return 25833;
  throw new MalformedBody(`The crs ${JSON.stringify(name).slice(0, 80)} is not supported: use EPSG:25833 or CRS84 (the GeoJSON default).`);
}

/**
 * where a point's coordinates lie outside what its CRS can mean (CRS84: longitude ±180, latitude ±90; EPSG:25833, UTM zone
 * 33N: easting 0–1 000 000 m, northing 0–10 000 000 m), what is wrong; a point at [1e308, 1e308] made the transform fail (a 500)
 */
export function coordinateFault(x: number, y: number, srid: 25833 | 4326): string | undefined {
  if (srid === 4326) return Math.abs(x) <= 180 && Math.abs(y) <= 90 ? undefined : `[${x}, ${y}] lies outside longitude ±180, latitude ±90 (CRS84)`;
  return x >= 0 && x <= 1_000_000 && y >= 0 && y <= 10_000_000 ? undefined : `[${x}, ${y}] lies outside easting 0–1000000, northing 0–10000000 (EPSG:25833)`;
}

/** a capacity as delivered (number or digit text, decimal comma allowed), undefined where it is none */
export function capacityOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+([.,]\d+)?\s*$/.test(value) ? Number(value.replace(',', '.')) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** reads a FeatureCollection of points; row n is the n-th feature */
export function readFacilities(text: string, capacityProperty: string | undefined): FacilityDataset {
  const doc = parseJsonText(text) as Record<string, unknown>;
  if (!doc || typeof doc !== 'object' || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    throw new MalformedBody('The body must be a GeoJSON FeatureCollection of points.');
  }
  const srid = sridOf(doc);
  const points: FacilityPoint[] = [];
  const errors: RowError[] = [];
  (doc.features as unknown[]).forEach((feature, index) => {
    const row = index + 1;
    const f = feature as { geometry?: { type?: unknown; coordinates?: unknown }; properties?: Record<string, unknown> } | null;
    const coords = f?.geometry?.type === 'Point' ? f.geometry.coordinates : undefined;
    const [x, y] = Array.isArray(coords) ? coords : [];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      errors.push({ row, field: 'geometry', code: 'not-a-point', message: 'The feature has no Point geometry with two finite coordinates.' });
      return;
    }
    const outside = coordinateFault(x, y, srid);
    if (outside) {
      errors.push({ row, field: 'geometry', code: 'coordinates-out-of-range', message: `Feature ${row}: ${outside}.` });
      return;
    }
    let capacity = 0;
    if (capacityProperty) {
      const c = capacityOf(f?.properties?.[capacityProperty]);
      if (c === undefined) {
        errors.push({ row, field: capacityProperty, code: 'invalid-capacity', message: `Property ${capacityProperty} is not a non-negative number.` });
        return;
      }
      capacity = c;
    }
    points.push({ row, x, y, capacity });
  });
  return { srid, points, errors, features: (doc.features as unknown[]).length };
}

export interface FacilityPushOptions {
  date: string;
  capacity?: { target: Target; property: string };
}

/** joins the points and pushes one batch per variable (count, and capacity when asked) */
export async function ingestFacilities(
  db: Kysely<Database>,
  countTarget: Target,
  dataset: FacilityDataset,
  push: FacilityPushOptions,
  options: BatchOptions,
  actor: Actor,
  checksum: () => string | null,
): Promise<BatchResult> {
  const level = await finestLevelWithGeometry(db, countTarget.lorVersion);
  if (!level) throw new Conflict(`LOR version ${countTarget.lorVersion} has no unit geometry to join points to.`);
  const units = await joinPoints(db, countTarget.lorVersion, level, dataset.points, dataset.srid);
  const errors = [...dataset.errors];
  const count = new Map<string, number>();
  const capacity = new Map<string, number>();
  for (const unit of await unitsOfLevel(db, countTarget.lorVersion, level)) {
    count.set(unit, 0);
    capacity.set(unit, 0);
  }
  dataset.points.forEach((p, i) => {
    const unit = units[i];
    if (!unit) {
      errors.push({ row: p.row, field: 'geometry', code: 'outside-berlin', message: `The point (${p.x}, ${p.y}) lies in no ${level} of LOR ${countTarget.lorVersion}.` });
      return;
    }
    count.set(unit, (count.get(unit) ?? 0) + 1);
    capacity.set(unit, (capacity.get(unit) ?? 0) + p.capacity);
  });
  errors.sort((a, b) => a.row - b.row);
  // feature errors first (rows = feature numbers), then one row per unit numbered after the features
  const rowsOf = (values: Map<string, number>): RawRow[] => [
    ...errors.map((e) => ({ row: e.row, breakdown: {}, errors: [e] })),
    ...[...values].map(([unit, value], i) => ({ row: dataset.features + i + 1, unit, date: push.date, value, breakdown: {} })),
  ];
  const batches: Record<string, unknown>[] = [];
  const first = await runBatch(db, countTarget, options, actor, rowsOf(count), checksum);
  batches.push(first.body);
  if (push.capacity) {
    const second = await runBatch(db, push.capacity.target, { ...options, idempotencyKey: null }, actor, rowsOf(capacity), checksum);
    batches.push(second.body);
  }
  const result: BatchResult = {
    statusCode: first.statusCode,
    totalErrors: first.totalErrors,
    body: { level, points: dataset.features, batches },
  };
  await storeResult(db, first.body.id as string, result);
  return result;
}

export async function pushFacilities(
  db: Kysely<Database>,
  target: Target,
  options: BatchOptions,
  actor: Actor,
  body: UploadBody,
  config: IngestConfig,
  query: PushQuery,
): Promise<BatchResult> {
  if (!query.date) throw new BadRequest('A facilities push needs date=YYYY-MM-DD: the reference date of the counts.', { name: 'date' });
  const spec = facilityDatasetOfVariable(target.variable.id);
  if (spec) return pushFacilityDataset(db, spec, target, options, actor, body, config, query.date);
  if (query.capacityVariable && !query.capacityProperty) {
    throw new BadRequest('capacityVariable needs capacityProperty: the feature property holding the capacity.', { name: 'capacityProperty' });
  }
  const capacityTarget = query.capacityVariable ? await resolveTarget(db, query.capacityVariable, target.lorVersion, actor) : undefined;
  let dataset: FacilityDataset;
  try {
    dataset = readFacilities(await body.wholeText(config.jsonLimit), query.capacityProperty);
  } catch (err) {
    if (err instanceof MalformedBody) throw new HttpProblem(400, 'malformed-body', 'Malformed body', err.message);
    throw err;
  }
  return ingestFacilities(
    db,
    target,
    dataset,
    { date: query.date, ...(capacityTarget ? { capacity: { target: capacityTarget, property: query.capacityProperty! } } : {}) },
    options,
    actor,
    () => body.checksum(),
  );
}

/**
 * The count variable of a kept facility dataset (kitas, schulen, jugendfreizeiteinrichtungen): the body is the whole
 * dataset, kept as points and counted on every LOR version; the answer names the level of the requested version.
 */
async function pushFacilityDataset(
  db: Kysely<Database>,
  spec: FacilityDatasetSpec,
  target: Target,
  options: BatchOptions,
  actor: Actor,
  body: UploadBody,
  config: IngestConfig,
  date: string,
): Promise<BatchResult> {
  let read: FacilityFeatures;
  try {
    read = readFacilityFeatures(await body.wholeText(config.jsonLimit), spec);
  } catch (err) {
    if (err instanceof MalformedBody) throw new HttpProblem(400, 'malformed-body', 'Malformed body', err.message);
    throw err;
  }
  const result = await ingestFacilityDelivery(db, spec, read, date, options, actor, () => body.checksum());
  const levels = result.body.levels as Record<string, string>;
  const answer: BatchResult = { ...result, body: { ...result.body, level: levels[target.lorVersion] ?? null } };
  const first = (result.body.batches as { id?: string }[])[0]?.id;
  if (first) await storeResult(db, first, answer);
  return answer;
}
