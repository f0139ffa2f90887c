// Each LOR unit's geometry kept as GeoJSON text in CRS84 at 7 decimals: the output of every items and feature
// request that does not ask for another CRS. Transforming and writing the polygons again on every request was about
// a third of such a request's database time; a stored generated column stays right through every import and update.
// The expression is the one the feature SQL (geometryJsonSql in packages/ogc) writes for CRS84; a geometry test
// compares the two for every stored unit.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE lor_unit ADD COLUMN geojson_crs84 text
    GENERATED ALWAYS AS (ST_AsGeoJSON(ST_Transform(geom, 4326), 7)) STORED`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE lor_unit DROP COLUMN geojson_crs84`.execute(db);
}
