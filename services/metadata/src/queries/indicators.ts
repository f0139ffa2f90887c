// SQL of indicator definitions: reads with filters, inserts and updates.
import type { Database, Kysely } from '@datenpool/db';
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
  createdAt: string;
  updatedAt: string;
}

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
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  }));
}

export async function getIndicator(db: Db, id: string): Promise<IndicatorRecord | undefined> {
  return (await listIndicators(db, { ids: [id] }))[0];
}

export async function insertIndicator(db: Db, i: IndicatorCreate, formula: unknown): Promise<void> {
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
    })
    .execute();
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
    db.selectFrom('variable').select(['id', 'access', 'status', 'breakdowns', 'value_kind']).execute(),
    db.selectFrom('indicator').select(['id', 'formula', 'status']).execute(),
  ]);
  return {
    variables: new Map(
      variables.map((v) => [v.id, { access: v.access, status: v.status, breakdowns: v.breakdowns as Record<string, string[]>, valueKind: v.value_kind }]),
    ),
    indicators: new Map(indicators.map((i) => [i.id, { formula: i.formula, status: i.status }])),
  };
}
export type CatalogGraph = Awaited<ReturnType<typeof catalogGraph>>;
