// SQL of the LOR import: stage a file's units in one statement, check them in the database, upsert.
import type { Database, Kysely } from '@datenpool/db';
import { STORAGE_SRID, sql } from '@datenpool/db';
import type { LorLevel } from '@datenpool/contracts';
import type { ImportProblem, LorFeature } from '../import/read-lor-file.ts';

type Db = Kysely<Database>;

/** share of a unit's area that may lie outside its parent (digitising noise between sources) */
export const CONTAINMENT_TOLERANCE = 0.01;

/** loads the features into a temporary stage table: geometry parsed, transformed to 25833 */
export async function stageUnits(db: Db, features: LorFeature[], srid: number): Promise<void> {
  // several files may be imported in one transaction (the bootstrap): each gets a fresh stage
  await sql`DROP TABLE IF EXISTS lor_import_stage`.execute(db);
  await sql`CREATE TEMP TABLE lor_import_stage (
      idx int, id text, name text, parent_id text, area_m2 double precision, geom geometry
    ) ON COMMIT DROP`.execute(db);
  const rows = features.map((f) => ({ i: f.index, id: f.id, n: f.name, p: f.parentId, a: f.area, g: f.geometry }));
  await sql`INSERT INTO lor_import_stage (idx, id, name, parent_id, area_m2, geom)
    SELECT (r->>'i')::int, r->>'id', r->>'n', r->>'p', (r->>'a')::double precision,
      CASE WHEN jsonb_typeof(r->'g') = 'object'
        THEN ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(r->'g'), ${srid}::int), ${sql.lit(STORAGE_SRID)}) END
    FROM jsonb_array_elements(${JSON.stringify(rows)}::jsonb) r`.execute(db);
}

/** features whose geometry is not (multi)polygonal */
export async function nonPolygonal(db: Db): Promise<ImportProblem[]> {
  const { rows } = await sql<{ id: string; type: string }>`SELECT id, GeometryType(geom) AS type
    FROM lor_import_stage WHERE geom IS NOT NULL AND GeometryType(geom) NOT IN ('POLYGON','MULTIPOLYGON')`.execute(db);
  return rows.map((r) => ({ feature: r.id, code: 'geometry', message: `geometry is a ${r.type}, not a polygon` }));
}

/** repairs invalid geometries with ST_MakeValid; returns what was repaired and why */
export async function repairInvalid(db: Db): Promise<Array<{ id: string; reason: string }>> {
  const { rows } = await sql<{ id: string; reason: string }>`WITH bad AS (
      SELECT idx, ST_IsValidReason(geom) AS reason FROM lor_import_stage
      WHERE geom IS NOT NULL AND NOT ST_IsValid(geom))
    UPDATE lor_import_stage s SET geom = ST_CollectionExtract(ST_MakeValid(s.geom), 3)
    FROM bad WHERE bad.idx = s.idx RETURNING s.id, bad.reason`.execute(db);
  return rows;
}

/** features whose parent unit is not in the database */
export async function missingParents(db: Db, version: string, parentLevel: LorLevel): Promise<ImportProblem[]> {
  const { rows } = await sql<{ id: string; parent_id: string }>`SELECT s.id, s.parent_id FROM lor_import_stage s
    WHERE s.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lor_unit p
      WHERE p.version = ${version} AND p.level = ${parentLevel} AND p.id = s.parent_id)`.execute(db);
  return rows.map((r) => ({
    feature: r.id,
    code: 'hierarchy',
    message: `parent ${parentLevel} ${r.parent_id} does not exist in LOR ${version}`,
  }));
}

/**
 * features that do not lie in their nearest ancestor with geometry, beyond the tolerance.
 * ST_CoveredBy answers most cases from the prepared geometry; only the rest pay for the overlay.
 */
export async function outsideAncestor(db: Db, version: string): Promise<ImportProblem[]> {
  const { rows } = await sql<{ id: string; ancestor: string; share: number }>`SELECT s.id, a.id AS ancestor,
      ST_Area(ST_Difference(s.geom, a.geom)) / nullif(ST_Area(s.geom), 0) AS share
    FROM lor_import_stage s
    JOIN LATERAL (SELECT p.id, p.geom FROM lor_unit p
      WHERE p.version = ${version} AND p.geom IS NOT NULL AND p.level <> 'berlin'
        AND length(p.id) < length(s.id) AND p.id = left(s.id, length(p.id))
      ORDER BY length(p.id) DESC LIMIT 1) a ON true
    WHERE s.geom IS NOT NULL AND NOT ST_CoveredBy(s.geom, a.geom)
      AND ST_Area(ST_Difference(s.geom, a.geom)) > ${CONTAINMENT_TOLERANCE} * ST_Area(s.geom)`.execute(db);
  return rows.map((r) => ({
    feature: r.id,
    code: 'hierarchy',
    message: `${(r.share * 100).toFixed(1)} % of the unit lies outside its ancestor ${r.ancestor}`,
  }));
}

/** writes the staged units; existing units of the same (version, level, id) are replaced */
export async function upsertStaged(db: Db, version: string, level: LorLevel): Promise<number> {
  const result = await sql`INSERT INTO lor_unit (version, level, id, name, parent_id, area_m2, geom, updated_at)
    SELECT ${version}, ${level}, id, name, parent_id,
      CASE WHEN geom IS NULL THEN area_m2 ELSE ST_Area(geom) END, ST_Multi(geom), now()
    FROM lor_import_stage
    ON CONFLICT (version, level, id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id,
      area_m2 = excluded.area_m2, geom = excluded.geom, updated_at = excluded.updated_at`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export async function unitCount(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lor_unit`.execute(db);
  return rows[0]?.n ?? 0;
}

export async function versionExists(db: Db, version: string): Promise<boolean> {
  const row = await db.selectFrom('lor_version').select('version').where('version', '=', version).executeTakeFirst();
  return row !== undefined;
}

/** per level of a version: the number of units, those with geometry, and the sum of their planar areas (m²) */
export async function levelTotals(
  db: Db,
  version: string,
): Promise<Array<{ level: string; units: number; with_geometry: number; area_m2: number | null }>> {
  const { rows } = await sql<{ level: string; units: number; with_geometry: number; area_m2: number | null }>`
    SELECT level, count(*)::int AS units, count(geom)::int AS with_geometry, sum(ST_Area(geom)) AS area_m2
    FROM lor_unit WHERE version = ${version} GROUP BY level`.execute(db);
  return rows;
}
