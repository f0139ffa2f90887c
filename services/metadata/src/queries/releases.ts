// SQL of the release bundles: the data state that identifies a release, the public indicator values it holds, and the
// releases built so far (data_release, migration 0062).
import { lorLevelNamesDe, lorLevels } from '@datenpool/contracts';
import { type Database, type Kysely, sql } from '@datenpool/db';

type Db = Kysely<Database>;

/** one file of a bundle, as its manifest lists it */
export interface ReleaseMember {
  path: string;
  mediaType: string;
  bytes: number;
  sha256: string;
}

/**
 * What the data of a release is: the last landed batch, the last completed recompute of the indicator values, each LOR
 * version's last change and the catalogue's (variables, indicators). Every change of what a bundle holds moves one.
 */
export interface ReleaseState {
  landedAt: string | null;
  computedAt: string | null;
  lor: Array<[string, string]>;
  variablesAt: string | null;
  indicatorsAt: string | null;
}

const iso = (column: ReturnType<typeof sql>) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function releaseState(db: Db): Promise<ReleaseState> {
  const { rows } = await sql<ReleaseState>`SELECT
      (SELECT ${iso(sql`max(finished_at)`)} FROM ingest_batch WHERE status IN ('accepted', 'partial') AND NOT dry_run) AS "landedAt",
      (SELECT ${iso(sql`finished_at`)} FROM indicator_recompute_state WHERE id = 'values') AS "computedAt",
      coalesce((SELECT json_agg(json_build_array(version, ${iso(sql`updated_at`)}) ORDER BY version) FROM lor_version), '[]') AS lor,
      (SELECT ${iso(sql`max(updated_at)`)} FROM variable) AS "variablesAt",
      (SELECT ${iso(sql`max(updated_at)`)} FROM indicator) AS "indicatorsAt"`.execute(db);
  return rows[0] as ReleaseState;
}

/**
 * The values of the given (public) indicators in a stable order, from indicator_value_published (migration 0060), as
 * every reader of indicator values reads them: a suppressed value's numerator and denominator are withheld with it
 * there (either would let a reader compute what the suppression hides).
 */
export async function releaseValues(db: Db, indicators: string[]) {
  if (indicators.length === 0) return [];
  return db
    .selectFrom('indicator_value_published as v')
    .select([
      'v.indicator_id as indicator',
      'v.lor_version',
      'v.level',
      'v.unit_id as unit',
      sql<string>`to_char(v.ref_date, 'YYYY-MM-DD')`.as('date'),
      'v.breakdown',
      'v.value',
      'v.numerator',
      'v.denominator',
      'v.status',
      'v.berlin',
      'v.district',
      'v.rank',
      'v.percentile',
      'v.change_1y',
      'v.change_ny',
      'v.target',
      'v.class',
      'v.class_label',
    ])
    .where('v.indicator_id', 'in', indicators)
    .orderBy('v.indicator_id')
    .orderBy('v.lor_version')
    .orderBy('v.level')
    .orderBy('v.unit_id')
    .orderBy('v.ref_date')
    .orderBy('v.breakdown')
    .execute();
}

/** a row of the bundle's indicators/values.csv */
export type ReleaseValueRow = Awaited<ReturnType<typeof releaseValues>>[number];

export interface ReleaseRecord {
  id: string;
  sha256: string;
  byteSize: number;
  builtAt: string;
  members: ReleaseMember[];
}

export async function recordRelease(db: Db, release: { id: string; state: ReleaseState; sha256: string; byteSize: number; members: ReleaseMember[] }): Promise<void> {
  await db
    .insertInto('data_release')
    .values({ id: release.id, state: JSON.stringify(release.state), sha256: release.sha256, byte_size: release.byteSize, members: JSON.stringify(release.members) })
    .onConflict((c) => c.column('id').doNothing())
    .execute();
}

/** the releases built so far, newest first */
export async function listReleases(db: Db): Promise<ReleaseRecord[]> {
  const rows = await db.selectFrom('data_release').select(['id', 'sha256', 'byte_size', 'built_at', 'members']).orderBy('built_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map((r) => ({ id: r.id, sha256: r.sha256, byteSize: Number(r.byte_size), builtAt: r.built_at.toISOString(), members: r.members }));
}

/** the LOR collections the features plugin serves (`lor-{version}-{level}`, geometry service), for the catalogue */
export async function lorCollectionsOf(db: Db): Promise<Array<{ id: string; title: string }>> {
  const versions = await db.selectFrom('lor_version').select(['version', 'label']).orderBy('version').execute();
  return versions.flatMap((v) => lorLevels.map((level) => ({ id: `lor-${v.version}-${level}`, title: `LOR ${v.version}: ${lorLevelNamesDe[level]}` })));
}
