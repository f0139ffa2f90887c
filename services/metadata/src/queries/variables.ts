// SQL of agencies and variables: reads with filters, inserts and updates.
import type { Database, Kysely } from '@datenpool/db';
import type { VariableCreate, VariableOut, VariablePatch } from '../schemas.ts';

type Db = Kysely<Database>;
type VariableRow = Awaited<ReturnType<typeof selectVariables>>[number];

const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function listAgencies(db: Db) {
  return db.selectFrom('agency').select(['id', 'name', 'kind', 'contact']).orderBy('id').execute();
}

export function getAgency(db: Db, id: string) {
  return db.selectFrom('agency').select(['id', 'name', 'kind', 'contact']).where('id', '=', id).executeTakeFirst();
}

export async function insertAgency(db: Db, agency: { id: string; name: string; kind: Database['agency']['kind']; contact: string | null }) {
  await db.insertInto('agency').values(agency).execute();
}

function selectVariables(db: Db, filter: { ids?: string[]; agency?: string; status?: string; access?: string } = {}) {
  let q = db.selectFrom('variable').selectAll();
  if (filter.ids) q = q.where('id', 'in', filter.ids.length ? filter.ids : ['']);
  if (filter.agency) q = q.where('agency_id', '=', filter.agency);
  if (filter.status) q = q.where('status', '=', filter.status as 'active');
  if (filter.access) q = q.where('access', '=', filter.access as 'public');
  return q.orderBy('id').execute();
}

export function variableOut(row: VariableRow): VariableOut {
  return {
    id: row.id,
    version: row.version,
    supersedes: row.supersedes,
    labelDe: row.label_de,
    labelEn: row.label_en,
    description: row.description,
    unit: row.unit,
    valueKind: row.value_kind,
    rateBase: (row.rate_base ?? null) as VariableOut['rateBase'],
    aggregation: row.aggregation,
    finestLevel: row.finest_level,
    periodicity: row.periodicity,
    referenceDate: row.reference_date,
    breakdowns: row.breakdowns as Record<string, string[]>,
    disclosureThreshold: row.disclosure_threshold,
    agencyId: row.agency_id,
    licence: row.licence,
    access: row.access,
    status: row.status,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export async function listVariables(db: Db, filter: { ids?: string[]; agency?: string; status?: string; access?: string } = {}): Promise<VariableOut[]> {
  return (await selectVariables(db, filter)).map(variableOut);
}

export async function getVariable(db: Db, id: string): Promise<VariableOut | undefined> {
  return (await listVariables(db, { ids: [id] }))[0];
}

export async function insertVariable(db: Db, v: VariableCreate, version: number): Promise<void> {
  await db
    .insertInto('variable')
    .values({
      id: v.id,
      version,
      supersedes: v.supersedes ?? null,
      label_de: v.labelDe,
      label_en: v.labelEn,
      description: v.description,
      unit: v.unit,
      value_kind: v.valueKind,
      rate_base: v.rateBase === null ? null : JSON.stringify(v.rateBase),
      aggregation: v.aggregation,
      finest_level: v.finestLevel,
      periodicity: v.periodicity,
      reference_date: v.referenceDate,
      breakdowns: JSON.stringify(v.breakdowns),
      disclosure_threshold: v.disclosureThreshold,
      agency_id: v.agencyId,
      licence: v.licence,
      access: v.access,
      status: v.status,
    })
    .execute();
}

export async function updateVariable(db: Db, id: string, patch: VariablePatch): Promise<void> {
  const set: Record<string, unknown> = {};
  const columns: Record<keyof VariablePatch, string> = {
    labelDe: 'label_de',
    labelEn: 'label_en',
    description: 'description',
    unit: 'unit',
    valueKind: 'value_kind',
    rateBase: 'rate_base',
    aggregation: 'aggregation',
    finestLevel: 'finest_level',
    periodicity: 'periodicity',
    referenceDate: 'reference_date',
    breakdowns: 'breakdowns',
    disclosureThreshold: 'disclosure_threshold',
    agencyId: 'agency_id',
    licence: 'licence',
    access: 'access',
    status: 'status',
  };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    set[columns[field as keyof VariablePatch]] = field === 'breakdowns' || field === 'rateBase' ? (value === null ? null : JSON.stringify(value)) : value;
  }
  await db
    .updateTable('variable')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** first and last reference date of current observations per variable, for DCAT temporal coverage */
export async function observedPeriods(db: Db): Promise<Map<string, { from: string; to: string }>> {
  const rows = await db
    .selectFrom('observation_current')
    .select((eb) => ['variable_id', eb.fn.min('ref_date').as('from'), eb.fn.max('ref_date').as('to')])
    .where('deleted', '=', false)
    .groupBy('variable_id')
    .execute();
  return new Map(rows.map((r) => [r.variable_id, { from: String(r.from), to: String(r.to) }]));
}
