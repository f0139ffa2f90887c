// A collection's features as a GeoPackage 1.3 file (OGC 12-128r18): SQLite written in memory by sql.js (SQLite in
// WebAssembly, no native build), one feature table with typed columns and the geometry as GeoPackage binary.
//
// With the R-tree spatial index (gpkg_rtree_index), written by rtree.ts: sql.js is built without SQLite's R*Tree module.
import type { DatabaseHandle } from '@datenpool/db';
import { BadRequest } from '@datenpool/service-kit';
import initSqlJs, { type Database as SqliteDatabase, type SqlJsStatic } from 'sql.js';
import { type Box, writeRtreeIndex } from './rtree.ts';
import {
  crsDefinitions,
  DOWNLOAD_MAX_FEATURES,
  DOWNLOAD_MAX_GEOMETRY_BYTES,
  type DownloadColumn,
  type DownloadSet,
  downloadColumns,
  tooMany,
  type WkbRow,
  wkbRows,
} from './rows.ts';

/** 'GPKG' as the SQLite application id, and 1.3.0 as its user version */
const APPLICATION_ID = 0x47504b47;
const USER_VERSION = 10300;

/** loads SQLite's WebAssembly module (a few MB): the formats call it once, on their first GeoPackage */
export function loadSqlite(): Promise<SqlJsStatic> {
  return initSqlJs();
}

const columnTypes: Record<DownloadColumn['type'], string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  real: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'DATETIME',
};

/** a GeoJSON geometry type as a GeoPackage geometry type name */
function geometryTypeName(geoJsonType: string): string {
  const known = ['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];
  return known.includes(geoJsonType) ? geoJsonType.toUpperCase() : 'GEOMETRY';
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * GeoPackage binary (§2.1.3): 'GP', version 0, flags (little-endian header, envelope [minx, maxx, miny, maxy], or
 * the empty flag and no envelope), the SRS id, then the WKB PostGIS wrote.
 */
export function geoPackageGeometry(row: Pick<WkbRow, 'wkb' | 'empty' | 'minx' | 'maxx' | 'miny' | 'maxy'>, srsId: number): Uint8Array | null {
  if (!row.wkb) return null;
  const empty = row.empty === true || row.minx === null;
  const header = Buffer.alloc(empty ? 8 : 40);
  header.write('GP', 0, 'latin1');
  header.writeUInt8(0, 2);
  header.writeUInt8(empty ? 0b0001_0001 : 0b0000_0011, 3);
  header.writeInt32LE(srsId, 4);
  if (!empty) {
    header.writeDoubleLE(row.minx as number, 8);
    header.writeDoubleLE(row.maxx as number, 16);
    header.writeDoubleLE(row.miny as number, 24);
    header.writeDoubleLE(row.maxy as number, 32);
  }
  return Buffer.concat([header, row.wkb]);
}

function createSchema(gpkg: SqliteDatabase): void {
  gpkg.run(`PRAGMA application_id = ${APPLICATION_ID}`);
  gpkg.run(`PRAGMA user_version = ${USER_VERSION}`);
  gpkg.run(`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
    organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`);
  gpkg.run(`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
    identifier TEXT UNIQUE, description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`);
  gpkg.run(`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
    geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`);
}

function insertSpatialReferenceSystems(gpkg: SqliteDatabase, definitions: Map<number, { name: string; definition: string }>): void {
  const insert = gpkg.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
  // the two undefined systems and WGS 84 are required in every GeoPackage (§1.1.2.1.2); EPSG:25833 is the pool's own
  insert.run(['Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system']);
  insert.run(['Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system']);
  for (const [srid, { name, definition }] of definitions) insert.run([name, srid, 'EPSG', srid, definition, null]);
  insert.free();
}

export interface GeoPackageOptions {
  /** the layer's table name (the collection id) */
  table: string;
  /** the SRS of the written geometries */
  srid: number;
  /** gpkg_contents.last_change: the data version's time, so that the same data gives the same file */
  lastChange: Date;
  title: string;
  description: string;
  geometryType: string;
}

/**
 * The download set as GeoPackage bytes. The feature id is the text column `id` (`feature_id` where a property is
 * named `id`); the SQLite `fid` numbers the features in the set's order. The same rows give the same bytes.
 */
export async function geoPackage(SQL: SqlJsStatic, database: DatabaseHandle, set: DownloadSet, options: GeoPackageOptions): Promise<Uint8Array> {
  const [columns, systems] = await Promise.all([downloadColumns(database, set), crsDefinitions(database, [...new Set([4326, 25833, options.srid])])]);
  const idColumn = columns.some((c) => c.name === 'id') ? 'feature_id' : 'id';
  const gpkg = new SQL.Database();
  try {
    createSchema(gpkg);
    insertSpatialReferenceSystems(gpkg, systems);
    const table = quote(options.table);
    const definitions = [
      'fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL',
      `geom ${geometryTypeName(options.geometryType)}`,
      `${quote(idColumn)} TEXT NOT NULL`,
      ...columns.map((c) => `${quote(c.name)} ${columnTypes[c.type]}`),
    ];
    gpkg.run(`CREATE TABLE ${table} (${definitions.join(', ')})`);
    const insert = gpkg.prepare(
      `INSERT INTO ${table} (geom, ${[idColumn, ...columns.map((c) => c.name)].map(quote).join(', ')}) VALUES (${['?', '?', ...columns.map(() => '?')].join(', ')})`,
    );
    const bounds = { minx: Infinity, miny: Infinity, maxx: -Infinity, maxy: -Infinity };
    const boxes: Box[] = [];
    let fid = 0;
    let bytes = 0;
    for await (const batch of wkbRows(database, set, columns, options.srid)) {
      gpkg.run('BEGIN');
      for (const row of batch) {
        bytes += row.wkb?.length ?? 0;
        if (bytes > DOWNLOAD_MAX_GEOMETRY_BYTES) {
          throw new BadRequest(
            `The GeoPackage of ${set.source.id} for this query would hold more than ${DOWNLOAD_MAX_GEOMETRY_BYTES} bytes of geometry: narrow it with bbox, datetime or filter, or download it in parts with limit and offset.`,
            { name: 'limit' },
          );
        }
        fid++;
        if (fid > DOWNLOAD_MAX_FEATURES) throw tooMany(set.source.id);
        if (row.minx !== null && row.empty !== true) {
          boxes.push({ id: fid, minx: row.minx, maxx: row.maxx as number, miny: row.miny as number, maxy: row.maxy as number });
          bounds.minx = Math.min(bounds.minx, row.minx);
          bounds.maxx = Math.max(bounds.maxx, row.maxx as number);
          bounds.miny = Math.min(bounds.miny, row.miny as number);
          bounds.maxy = Math.max(bounds.maxy, row.maxy as number);
        }
        const values = columns.map((c, i) => {
          const value = row[`p${i}`];
          if (value === null || value === undefined) return null;
          if (c.type === 'boolean') return value ? 1 : 0;
          return value as string | number;
        });
        insert.run([geoPackageGeometry(row, options.srid), row.id, ...values]);
      }
      gpkg.run('COMMIT');
    }
    insert.free();
    const hasBounds = Number.isFinite(bounds.minx);
    gpkg.run('INSERT INTO gpkg_contents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      options.table,
      'features',
      options.title,
      options.description,
      options.lastChange.toISOString(),
      hasBounds ? bounds.minx : null,
      hasBounds ? bounds.miny : null,
      hasBounds ? bounds.maxx : null,
      hasBounds ? bounds.maxy : null,
      options.srid,
    ]);
    gpkg.run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', [options.table, 'geom', geometryTypeName(options.geometryType), options.srid]);
    writeRtreeIndex(gpkg, options.table, 'geom', boxes);
    return gpkg.export();
  } finally {
    gpkg.close();
  }
}
