// Downloads (issue 18): the 448 Planungsräume of 2006 as a GeoPackage (f=gpkg) and as CSV with WKT (f=csv), against
// the raw SQL that reads the same rows and writes the same geometry bytes (ST_AsBinary with envelope, ST_AsText): what
// writing the file (SQLite in WebAssembly, the R-tree, the CSV cells) and HTTP add to reading the rows.
import { sql } from '@datenpool/db';
import type { BenchContext, BenchScenario } from '../types.ts';

const COLLECTION = 'lor-2006-planungsraum';
const where = sql`u.version = '2006' AND u.level = 'planungsraum'`;
const CRS84 = encodeURIComponent('http://www.opengis.net/def/crs/OGC/1.3/CRS84');

/** the rows a GeoPackage holds: WKB and envelope in the storage CRS, the properties */
const gpkgRows = sql`SELECT u.id, ST_AsBinary(u.geom, 'NDR') AS wkb, ST_XMin(u.geom) AS minx, ST_XMax(u.geom) AS maxx,
    ST_YMin(u.geom) AS miny, ST_YMax(u.geom) AS maxy, u.name, u.level, u.version, u.parent_id, u.area_m2::float8
  FROM lor_unit u WHERE ${where} ORDER BY u.id`;

/** the rows of the CSV: WKT in CRS84 at the precision the service writes */
const csvRows = sql`SELECT u.id, u.name, u.level, u.version, u.parent_id, u.area_m2::float8, ST_AsText(ST_Transform(u.geom, 4326), 7) AS wkt
  FROM lor_unit u WHERE ${where} ORDER BY u.id`;

/** fails the run where the download does not hold the reference's rows: the ratio would compare different work */
async function assertSame(ctx: BenchContext, format: 'gpkg' | 'csv'): Promise<void> {
  const res = await fetch(`${ctx.baseUrl}/collections/${COLLECTION}/items?f=${format}${format === 'csv' ? `&crs=${CRS84}` : ''}`);
  const body = Buffer.from(await res.arrayBuffer());
  const { rows } = await (format === 'gpkg' ? gpkgRows : csvRows).execute(ctx.database.db);
  if (res.status !== 200) throw new Error(`f=${format}: ${res.status}`);
  if (format === 'csv' && body.toString('utf8').trimEnd().split('\r\n').length - 1 !== rows.length) throw new Error('f=csv: not the reference rows');
  if (format === 'gpkg' && body.subarray(0, 15).toString('latin1') !== 'SQLite format 3') throw new Error('f=gpkg: not an SQLite file');
}

function scenario(format: 'gpkg' | 'csv'): BenchScenario {
  return {
    name: `downloads: f=${format} of the 448 Planungsräume of 2006, vs raw SQL reading the same rows`,
    request: { path: `/collections/${COLLECTION}/items?f=${format}${format === 'csv' ? `&crs=${CRS84}` : ''}` },
    setup: (ctx) => assertSame(ctx, format),
    async reference({ database }) {
      await (format === 'gpkg' ? gpkgRows : csvRows).execute(database.db);
    },
  };
}

export const scenarios: BenchScenario[] = [scenario('gpkg'), scenario('csv')];
