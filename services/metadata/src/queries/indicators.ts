// SQL of indicator definitions: reads with filters, inserts and updates.
import { type Database, type Kysely, sql } from '@datenpool/db';
import type { IndicatorCreate, IndicatorPatch } from '../schemas.ts';

type Db = Kysely<Database>;

export interface IndicatorRecord {
  id: string;
  zielbereich: string;
  labelDe: string;
  labelEn: string;
  description: string;
  unit: string;
  formula: Record<string, unknown>;
  polarity: 'risk' | 'potential' | 'neutral';
  core: boolean;
  lowestLevel: string;
  minBase: number;
  availability: string;
  status: 'draft' | 'active' | 'retired';
  /** the version in force; a change of formula, minBase or lowestLevel of an active indicator adds one */
  version: number;
  /** when the version in force took effect */
  validFrom: string;
  /** the agency that defined it and may change it; null: the statistics office */
  agencyId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface IndicatorVersionRecord {
  version: number;
  formula: Record<string, unknown>;
  minBase: number;
  lowestLevel: string;
  validFrom: string;
  validTo: string | null;
  createdBy: string;
}

/** the fields that make up what a published value of the indicator means: changing one adds a version */
export const versionedFields = ['formula', 'minBase', 'lowestLevel'] as const;

const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export async function listIndicators(
  db: Db,
  filter: { ids?: string[]; zielbereich?: string; core?: boolean; status?: string } = {},
): Promise<IndicatorRecord[]> {
  let q = db.selectFrom('indicator').selectAll();
  if (filter.ids) q = q.where('id', 'in', filter.ids.length ? filter.ids : ['']);
  if (filter.zielbereich) q = q.where('zielbereich', '=', filter.zielbereich);
  if (filter.core !== undefined) q = q.where('core', '=', filter.core);
  if (filter.status) q = q.where('status', '=', filter.status as 'active');
  const rows = await q.orderBy('zielbereich').orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    zielbereich: row.zielbereich,
    labelDe: row.label_de,
    labelEn: row.label_en,
    description: row.description,
    unit: row.unit,
    formula: row.formula as Record<string, unknown>,
    polarity: row.polarity,
    core: row.core,
    lowestLevel: row.lowest_level,
    minBase: row.min_base,
    availability: row.availability,
    status: row.status,
    version: row.version,
    validFrom: iso(row.valid_from),
    agencyId: row.agency_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }));
}

export async function getIndicator(db: Db, id: string): Promise<IndicatorRecord | undefined> {
  return (await listIndicators(db, { ids: [id] }))[0];
}

export async function insertIndicator(db: Db, i: IndicatorCreate, formula: unknown, owner: { agencyId: string | null; actor: string }): Promise<void> {
  await db
    .insertInto('indicator')
    .values({
      id: i.id,
      zielbereich: i.zielbereich,
      label_de: i.labelDe,
      label_en: i.labelEn,
      description: i.description,
      unit: i.unit,
      formula: JSON.stringify(formula),
      polarity: i.polarity,
      core: i.core,
      lowest_level: i.lowestLevel,
      min_base: i.minBase,
      availability: i.availability,
      status: i.status,
      agency_id: owner.agencyId,
    })
    .execute();
  await db
    .insertInto('indicator_version')
    .values({
      indicator_id: i.id,
      version: 1,
      formula: JSON.stringify(formula),
      min_base: i.minBase,
      lowest_level: i.lowestLevel,
      valid_from: sql<Date>`now()`,
      created_by: owner.actor,
    })
    .execute();
}

/** the definitions an indicator had, oldest first; the first also explains values computed before it took effect */
export async function listIndicatorVersions(db: Db, id: string): Promise<IndicatorVersionRecord[]> {
  const rows = await db.selectFrom('indicator_version').selectAll().where('indicator_id', '=', id).orderBy('version').execute();
  return rows.map((r) => ({
    version: r.version,
    formula: r.formula as Record<string, unknown>,
    minBase: r.min_base,
    lowestLevel: r.lowest_level,
    validFrom: iso(r.valid_from),
    validTo: r.valid_to === null ? null : iso(r.valid_to),
    createdBy: r.created_by,
  }));
}

/**
 * records the indicator's new definition: `inPlace` (a draft) rewrites the version in force, otherwise the version in
 * force ends now and the next one starts at the same instant (one transaction, one `now()`)
 */
export async function recordIndicatorVersion(db: Db, id: string, inPlace: boolean, actor: string): Promise<number> {
  const current = await db
    .selectFrom('indicator')
    .select(['version', 'formula', 'min_base', 'lowest_level', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  const existing = await db.selectFrom('indicator_version').select('version').where('indicator_id', '=', id).where('valid_to', 'is', null).executeTakeFirst();
  // an indicator inserted around this service (a fixture, an older seed) gets its first version now
  if (!existing) {
    await db
      .insertInto('indicator_version')
      .values({ indicator_id: id, version: current.version, formula: JSON.stringify(current.formula), min_base: current.min_base, lowest_level: current.lowest_level, valid_from: current.created_at, created_by: 'system' })
      .execute();
  }
  const definition = { formula: JSON.stringify(current.formula), min_base: current.min_base, lowest_level: current.lowest_level };
  if (inPlace) {
    await db.updateTable('indicator_version').set(definition).where('indicator_id', '=', id).where('valid_to', 'is', null).execute();
    return current.version;
  }
  const next = current.version + 1;
  await db.updateTable('indicator_version').set({ valid_to: sql<Date>`now()` }).where('indicator_id', '=', id).where('valid_to', 'is', null).execute();
  await db.insertInto('indicator_version').values({ indicator_id: id, version: next, ...definition, valid_from: sql<Date>`now()`, created_by: actor }).execute();
  await db.updateTable('indicator').set({ version: next, valid_from: sql<Date>`now()` }).where('id', '=', id).execute();
  return next;
}

export async function updateIndicator(db: Db, id: string, patch: IndicatorPatch, formula: unknown): Promise<void> {
  const columns: Record<keyof IndicatorPatch, string> = {
    zielbereich: 'zielbereich',
    labelDe: 'label_de',
    labelEn: 'label_en',
    description: 'description',
    unit: 'unit',
    formula: 'formula',
    polarity: 'polarity',
    core: 'core',
    lowestLevel: 'lowest_level',
    minBase: 'min_base',
    availability: 'availability',
    status: 'status',
  };
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    set[columns[field as keyof IndicatorPatch]] = field === 'formula' ? JSON.stringify(formula) : value;
  }
  await db
    .updateTable('indicator')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** the graph the access rules and formula checks need: every variable's access and breakdowns, every formula */
export async function catalogGraph(db: Db) {
  const [variables, indicators] = await Promise.all([
    db.selectFrom('variable').select(['id', 'access', 'status', 'breakdowns', 'value_kind', 'agency_id']).execute(),
    db.selectFrom('indicator').select(['id', 'formula', 'status']).execute(),
  ]);
  return {
    variables: new Map(
      variables.map((v) => [
        v.id,
        { access: v.access, status: v.status, breakdowns: v.breakdowns as Record<string, string[]>, valueKind: v.value_kind, agencyId: v.agency_id },
      ]),
    ),
    indicators: new Map(indicators.map((i) => [i.id, { formula: i.formula, status: i.status }])),
  };
}
export type CatalogGraph = Awaited<ReturnType<typeof catalogGraph>>;
