// Reads of the metadata the SDMX structures are generated from: LOR versions and units, variables, indicators.
import { type Database, type Kysely, sql } from '@datenpool/db';

export interface VariableEntry {
  id: string;
  label_de: string;
  label_en: string;
  description: string;
  unit: string;
  reference_date: string;
  periodicity: string;
  breakdowns: Record<string, string[]>;
  agency_id: string;
  licence: string;
  access: 'public' | 'restricted';
}

export interface IndicatorEntry {
  id: string;
  zielbereich: string;
  label_de: string;
  label_en: string;
  description: string;
  unit: string;
  formula: unknown;
}

export interface UnitEntry {
  id: string;
  level: string;
  name: string;
  parent_id: string | null;
}

export async function lorVersionIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('lor_version').select('version').orderBy('version').execute();
  return rows.map((r) => r.version);
}

/** active variables of every access; the facade publishes the public ones and needs the rest to judge indicators */
export async function activeVariables(db: Kysely<Database>): Promise<VariableEntry[]> {
  return db
    .selectFrom('variable')
    .select(['id', 'label_de', 'label_en', 'description', 'unit', 'reference_date', 'periodicity', 'breakdowns', 'agency_id', 'licence', 'access'])
    .where('status', '=', 'active')
    .orderBy('id')
    .execute() as Promise<VariableEntry[]>;
}

export async function activeIndicators(db: Kysely<Database>): Promise<IndicatorEntry[]> {
  return db
    .selectFrom('indicator')
    .select(['id', 'zielbereich', 'label_de', 'label_en', 'description', 'unit', 'formula'])
    .where('status', '=', 'active')
    .orderBy('id')
    .execute() as Promise<IndicatorEntry[]>;
}

/** every unit of a LOR version, coarse to fine (Berlin, id '0', is the root) */
export async function lorUnits(db: Kysely<Database>, version: string): Promise<UnitEntry[]> {
  const result = await sql<UnitEntry>`SELECT id, level, name, parent_id FROM lor_unit WHERE version = ${version}
    ORDER BY length(id), id`.execute(db);
  return result.rows;
}

/** the ids among `ids` that are units of the version */
export async function existingUnits(db: Kysely<Database>, version: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('lor_unit').select('id').where('version', '=', version).where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** the combined breakdowns (more than one dimension) indicator values carry, for the breakdown codelist */
export async function indicatorBreakdowns(db: Kysely<Database>): Promise<string[]> {
  const result = await sql<{ breakdown: string }>`SELECT DISTINCT breakdown FROM indicator_value WHERE breakdown LIKE '%;%'`.execute(db);
  return result.rows.map((r) => r.breakdown);
}
