// Downloads of a collection as one file (`/collections/{id}/items?f=gpkg`, `f=csv`): the whole matching set (bbox,
// datetime, filter, sortby, properties as for items; no page) up to DOWNLOAD_MAX_FEATURES, or `limit` from `offset`.
import { type DatabaseHandle, startedStream } from '@datenpool/db';
import { csvChunks, rfc4180 } from '@datenpool/service-kit';
import type { FastifyReply } from 'fastify';
import type { SqlJsStatic } from 'sql.js';
import { contentCrsHeader, type CrsDefinition } from '../crs.ts';
import type { ItemsFormat, ItemsFormatInput } from '../features/formats.ts';
import { sendStream } from '../send.ts';
import { geoPackage, loadSqlite } from './geopackage.ts';
import { type DownloadRow, downloadColumns, downloadSet, wktRows } from './rows.ts';

type CsvRow = DownloadRow & { wkt: string | null };

export { DOWNLOAD_MAX_FEATURES, DOWNLOAD_MAX_GEOMETRY_BYTES } from './rows.ts';
export { geoPackageGeometry } from './geopackage.ts';

/** the SQLite engine a GeoPackage is written with (sqliteLoader loads it) */
export type SqliteEngine = SqlJsStatic;

export const GEOPACKAGE_MEDIA_TYPE = 'application/geopackage+sqlite3';
export const CSV_MEDIA_TYPE = 'text/csv';

/** `attachment; filename=…` for a collection id (ids are [A-Za-z0-9_-], as the providers give them) */
function attachment(reply: FastifyReply, collectionId: string, extension: string): void {
  const name = `${collectionId.replace(/[^A-Za-z0-9_.-]/g, '_')}.${extension}`;
  reply.header('content-disposition', `attachment; filename="${name}"`);
}

/** a GeoPackage keeps the storage CRS unless `crs` names another; EPSG:4326 and CRS84 are both SRS 4326 (x = longitude) */
function geoPackageSrid(input: ItemsFormatInput, storageSrid: number): number {
  return input.raw.get('crs') === null ? storageSrid : input.query.crs.srid;
}

/** the GeoPackage bytes of a request's download set (also what a release bundle holds per collection) */
export async function collectionGeoPackage(
  SQL: SqlJsStatic,
  database: DatabaseHandle,
  input: Pick<ItemsFormatInput, 'source' | 'query' | 'raw'>,
): Promise<{ bytes: Uint8Array; srid: number }> {
  // written in memory before anything is sent: the writer refuses the row past the maximum, no count first
  const set = await downloadSet(database, input.source, input.query, input.raw, 'rows');
  const [description, version] = await Promise.all([input.source.describe(), input.source.dataVersion()]);
  const srid = geoPackageSrid(input as ItemsFormatInput, set.relation.storageSrid);
  const bytes = await geoPackage(SQL, database, set, {
    table: input.source.id,
    srid,
    lastChange: version.lastModified,
    title: description.title,
    description: description.description ?? '',
    geometryType: description.geometryType,
  });
  return { bytes, srid };
}

/** the SQLite engine, loaded on the first GeoPackage a set of formats writes and kept by them */
export function sqliteLoader(): () => Promise<SqlJsStatic> {
  let loading: Promise<SqlJsStatic> | undefined;
  return () => {
    loading ??= loadSqlite();
    // a failed load is not kept: the next download tries again
    loading.catch(() => (loading = undefined));
    return loading;
  };
}

function geoPackageFormat(sqlite: () => Promise<SqlJsStatic>): ItemsFormat {
  return {
    name: 'gpkg',
    mediaType: GEOPACKAGE_MEDIA_TYPE,
    title: 'The matching features as a GeoPackage file',
    extension: 'gpkg',
    async send(reply, input) {
      const { bytes, srid } = await collectionGeoPackage(await sqlite(), input.database, input);
      attachment(reply, input.source.id, 'gpkg');
      reply.header('content-crs', `<http://www.opengis.net/def/crs/EPSG/0/${srid}>`);
      return reply.type(GEOPACKAGE_MEDIA_TYPE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  };
}

/**
 * CSV (RFC 4180, the shared writer's defusal): `id`, the properties, and `WKT`, the geometry in the request's CRS
 * (default CRS84, the axis order and precision as GeoJSON gives them). Streamed from a cursor: memory stays flat.
 */
const csvFormat: ItemsFormat = {
  name: 'csv',
  mediaType: CSV_MEDIA_TYPE,
  title: 'The matching features as CSV, the geometry as WKT',
  extension: 'csv',
  async send(reply, input) {
    const { database, source, query } = input;
    const set = await downloadSet(database, source, query, input.raw);
    const columns = await downloadColumns(database, set);
    const crs: CrsDefinition = query.crs;
    const idColumn = columns.some((c) => c.name === 'id') ? 'feature_id' : 'id';
    const header = [idColumn, ...columns.map((c) => c.name), 'WKT'];
    const cells = (row: CsvRow) => [row.id, ...columns.map((_, i) => row[`p${i}`]), row.wkt];
    const stream = await startedStream(csvChunks(header, wktRows(database, set, columns, crs), cells, rfc4180), { stallMs: reply.server.config.exportStallMs });
    attachment(reply, source.id, 'csv');
    reply.header('content-crs', contentCrsHeader(crs));
    return sendStream(reply, `${CSV_MEDIA_TYPE}; charset=utf-8; header=present`, stream);
  },
};

/** the download formats with their own SQLite engine (loaded on their first GeoPackage) */
export function createDownloadFormats(): ItemsFormat[] {
  return [geoPackageFormat(sqliteLoader()), csvFormat];
}

