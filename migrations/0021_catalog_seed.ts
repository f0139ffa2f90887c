// Seeds the catalog (agencies, variables, indicator definitions) as it was when this migration was written:
// 0021_catalog_seed.json is services/metadata/seed/catalog.json of then (commit 3f1d711), frozen, so that every
// database this migration creates gets the same catalog; later seeds are brought about by later migrations (0061).
import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';

interface SeedFile {
  defaults: { variable: Record<string, unknown>; indicator: Record<string, unknown> };
  agencies: Array<Record<string, unknown> & { id: string }>;
  variables: Array<Record<string, unknown> & { id: string }>;
  indicators: Array<Record<string, unknown> & { id: string }>;
  targets: Array<Record<string, unknown>>;
}

const seedUrl = new URL('./0021_catalog_seed.json', import.meta.url);

function jsonColumns(row: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  const out = { ...row };
  for (const column of columns) if (column in out) out[column] = JSON.stringify(out[column]);
  return out;
}

function readSeed(): SeedFile {
  return JSON.parse(readFileSync(seedUrl, 'utf8')) as SeedFile;
}

export async function up(db: Kysely<any>): Promise<void> {
  const seed = readSeed();
  await db.insertInto('agency').values(seed.agencies).execute();
  await db
    .insertInto('variable')
    .values(seed.variables.map((v) => jsonColumns({ ...seed.defaults.variable, ...v }, ['breakdowns'])))
    .execute();
  await db
    .insertInto('indicator')
    .values(seed.indicators.map((i) => jsonColumns({ ...seed.defaults.indicator, ...i }, ['formula'])))
    .execute();
  if (seed.targets.length > 0) await db.insertInto('indicator_target').values(seed.targets).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const seed = readSeed();
  await db.deleteFrom('indicator_target').where('indicator_id', 'in', seed.indicators.map((i) => i.id)).execute();
  await db.deleteFrom('indicator').where('id', 'in', seed.indicators.map((i) => i.id)).execute();
  await db.deleteFrom('variable').where('id', 'in', seed.variables.map((v) => v.id)).execute();
  await db.deleteFrom('agency').where('id', 'in', seed.agencies.map((a) => a.id)).execute();
}
