// Test fixtures: agencies, LOR 2021 units (from the real unit list), test variables and API keys.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { type Database, type Kysely, sql } from '@datenpool/db';
import { generateKey, hashKey, type Scope } from '@datenpool/service-kit';
import { parse } from 'csv-parse/sync';

export const sharedData = new URL('../../../../shared/data/', import.meta.url);

/** the 2021 units (Planungsraum up to Berlin) as the real unit list gives them */
export function lor2021Units(): { id: string; level: string; name: string; parent: string | null }[] {
  const rows = parse(readFileSync(new URL('lor/lor-2021-units.csv', sharedData)), { bom: true, from_line: 2 }) as string[][];
  const units = new Map<string, { id: string; level: string; name: string; parent: string | null }>();
  units.set('0', { id: '0', level: 'berlin', name: 'Berlin', parent: null });
  for (const r of rows) {
    const [, plr, plrName, bzr, bzrName, pgr, pgrName, bez] = r as string[];
    units.set(plr!.slice(0, 2), { id: plr!.slice(0, 2), level: 'bezirk', name: bez!, parent: '0' });
    units.set(pgr!, { id: pgr!, level: 'prognoseraum', name: pgrName!, parent: plr!.slice(0, 2) });
    units.set(bzr!, { id: bzr!, level: 'bezirksregion', name: bzrName!, parent: pgr! });
    units.set(plr!, { id: plr!, level: 'planungsraum', name: plrName!, parent: bzr! });
  }
  return [...units.values()];
}

export const einwohnerBreakdowns = {
  age: ['unter6', '6-15', '15-18', '18-27', '27-45', '45-55', '55-65', '65undmehr'],
  sex: ['weiblich', 'maennlich'],
  citizenship: ['deutsch', 'auslaendisch', 'migrationshintergrund'],
};

export interface TestVariable {
  id: string;
  agency: string;
  valueKind?: 'count' | 'measure';
  aggregation?: 'sum' | 'none';
  finestLevel?: string;
  referenceDate?: string;
  breakdowns?: Record<string, string[]>;
  status?: 'draft' | 'active';
}

export async function addVariable(db: Kysely<Database>, v: TestVariable): Promise<void> {
  await db
    .insertInto('variable')
    .values({
      id: v.id,
      label_de: v.id,
      label_en: v.id,
      unit: 'Anzahl',
      value_kind: v.valueKind ?? 'count',
      aggregation: v.aggregation ?? 'sum',
      finest_level: v.finestLevel ?? 'planungsraum',
      reference_date: v.referenceDate ?? '12-31',
      breakdowns: JSON.stringify(v.breakdowns ?? {}),
      agency_id: v.agency,
      status: v.status ?? 'active',
    })
    .execute();
}

export async function addKey(db: Kysely<Database>, agencyId: string | null, scopes: Scope[]): Promise<string> {
  const { key, prefix } = generateKey();
  await db
    .insertInto('api_key')
    .values({ id: randomUUID(), prefix, hash: await hashKey(key), agency_id: agencyId, scopes, label: 'test' })
    .execute();
  return key;
}

/** agencies and LOR 2021 units where the template lacks them (the real seeds win where present) */
export async function baseFixtures(db: Kysely<Database>): Promise<void> {
  for (const [id, name, kind] of [
    ['afs', 'Amt für Statistik Berlin-Brandenburg', 'statistikamt'],
    ['senbjf', 'Senatsverwaltung für Bildung, Jugend und Familie', 'senatsverwaltung'],
    ['sensbw', 'Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen', 'senatsverwaltung'],
  ] as const) {
    await db.insertInto('agency').values({ id, name, kind }).onConflict((oc) => oc.column('id').doNothing()).execute();
  }
  const units = lor2021Units();
  await sql`INSERT INTO lor_unit (version, level, id, name, parent_id)
    SELECT '2021', l, i, n, p FROM unnest(${units.map((u) => u.level)}::text[], ${units.map((u) => u.id)}::text[],
      ${units.map((u) => u.name)}::text[], ${units.map((u) => u.parent)}::text[]) AS t(l, i, n, p)
    ON CONFLICT DO NOTHING`.execute(db);
}

export const auth = (key: string) => ({ authorization: `Bearer ${key}` });
