// The SQL of GetFeature over a collection's relation: each feature as a GML 3.2 member or a GeoJSON Feature written by
// PostGIS (ST_AsGML, ST_AsGeoJSON), a page aggregated in one statement or read through a cursor, counts and estimates.
import { type DatabaseHandle, estimateRows, streamRows } from '@datenpool/db';
import { type RawBuilder, sql } from 'kysely';
import type { CrsDefinition } from '../crs.ts';
import { featureJsonSql } from '../items-sql.ts';
import type { Page } from '../paging.ts';
import type { FeatureRelation } from '../provider.ts';
import { geometryJsonSql, propertiesJsonSql } from '../storage.ts';
import { FEATURE_PREFIX } from './xml.ts';

export interface FeatureSelection {
  collectionId: string;
  relation: FeatureRelation;
  /** RESOURCEID: only these feature ids */
  featureIds?: string[];
  /** the properties to write, each with its element name, in the relation's order */
  properties: Array<[name: string, element: string]>;
  /** false where PROPERTYNAME leaves the geometry out */
  geometry: boolean;
  crs: CrsDefinition;
  /** the type's geometry is a multi-geometry: single ones are written as multi-geometries of one, as the schema says */
  multi: boolean;
}

/** a text as XML content, in SQL: what XML 1.0 cannot carry dropped, markup escaped */
function xmlTextSql(text: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`replace(replace(replace(regexp_replace(${text}, '[\\x01-\\x08\\x0B\\x0C\\x0E-\\x1F]', '', 'g'), '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`;
}

/** the gml:id of the feature, as gmlId in xml.ts writes it: the collection, a dot, the id with non-NCName characters as .hhhh. */
function gmlIdSql(collectionId: string, id: RawBuilder<unknown>): RawBuilder<string> {
  const text = sql`(${id})::text`;
  return sql<string>`${collectionId + '.'} || CASE WHEN ${text} ~ '^[A-Za-z0-9_-]*$' THEN ${text} ELSE
    (SELECT string_agg(CASE WHEN c ~ '^[A-Za-z0-9_-]$' THEN c ELSE '.' || lpad(to_hex(ascii(c)), 4, '0') || '.' END, '' ORDER BY i)
      FROM regexp_split_to_table(${text}, '') WITH ORDINALITY AS s(c, i)) END`;
}

function outputGeometry(selection: FeatureSelection, multi: boolean): RawBuilder<unknown> {
  const { relation, crs } = selection;
  const shaped = multi ? sql`ST_Multi(${relation.geometry})` : relation.geometry;
  const transformed = crs.srid === relation.storageSrid ? shaped : sql`ST_Transform(${shaped}, ${sql.lit(crs.srid)})`;
  return crs.latitudeFirst ? sql`ST_FlipCoordinates(${transformed})` : transformed;
}

/**
 * one `<wfs:member>` with the feature: its properties (a null one left out, values as their JSON text: numbers, ISO
 * dates), then the geometry by ST_AsGML (GML 3, srsName as URN, LineString rather than Curve) with a gml:id
 */
export function gmlMemberSql(selection: FeatureSelection): RawBuilder<string> {
  const element = `${FEATURE_PREFIX}:${selection.collectionId}`;
  const id = gmlIdSql(selection.collectionId, selection.relation.id);
  const properties = selection.properties.map(([name, tag]) => {
    const value = selection.relation.properties[name] as RawBuilder<unknown>;
    return sql`coalesce(${`<${FEATURE_PREFIX}:${tag}>`} || ${xmlTextSql(sql`to_json(${value}) #>> '{}'`)} || ${`</${FEATURE_PREFIX}:${tag}>`}, '')`;
  });
  // ST_AsGML's own id argument repeats the id on every member (a duplicate gml:id): the top geometry gets it here
  const gml = sql`ST_AsGML(3, ${outputGeometry(selection, selection.multi)}, ${sql.lit(selection.crs.precision)}, 5)`;
  const geometry = sql`coalesce(${`<${FEATURE_PREFIX}:geometry>`} || regexp_replace(${gml}, '^<gml:([A-Za-z]+)', '<gml:\\1 gml:id="' || ${id} || '.geom"') || ${`</${FEATURE_PREFIX}:geometry>`}, '')`;
  const parts = selection.geometry ? [...properties, geometry] : properties;
  return sql<string>`${`<wfs:member><${element} gml:id="`} || ${id} || '">' || ${parts.length > 0 ? sql.join(parts, sql` || `) : sql`''`} || ${`</${element}></wfs:member>`}`;
}

/**
 * one GeoJSON Feature as items writes it, but with the resource id as `id` (`{collection}.{id}`, the gml:id): what
 * RESOURCEID takes, and what a WFS client such as GDAL keeps as gml_id
 */
export function geoJsonFeatureSql(selection: FeatureSelection): RawBuilder<string> {
  const { relation, crs } = selection;
  return featureJsonSql(
    gmlIdSql(selection.collectionId, relation.id),
    selection.geometry ? geometryJsonSql(relation.geometry, crs, relation.storageSrid) : sql<string>`'null'`,
    propertiesJsonSql(
      relation.properties,
      selection.properties.map(([name]) => name),
    ),
  );
}

function whereSql(selection: FeatureSelection): RawBuilder<boolean> {
  const { relation, featureIds } = selection;
  if (featureIds === undefined) return relation.where;
  return sql<boolean>`(${relation.where}) AND (${relation.id})::text = ANY(${featureIds}::text[])`;
}

function pageSql(selection: FeatureSelection, feature: RawBuilder<string>, page: Page, withTotal: boolean) {
  const { relation } = selection;
  return sql<{ f: string; total?: number }>`SELECT ${feature} AS f ${withTotal ? sql`, count(*) OVER () AS total` : sql``}
    FROM ${relation.from} WHERE ${whereSql(selection)} ORDER BY ${relation.order}
    LIMIT ${page.limit} OFFSET ${page.offset}`;
}

export interface AggregatedPage {
  text: string;
  n: number;
  /** how many match in all, where asked for and the page is not empty */
  matched?: number;
}

/** one page joined into one text by the database; `withTotal`: how many match, by the same statement */
export async function aggregatedPage(
  database: DatabaseHandle,
  selection: FeatureSelection,
  feature: RawBuilder<string>,
  separator: string,
  page: Page,
  withTotal: boolean,
): Promise<AggregatedPage> {
  const { rows } = await sql<{ text: string; n: number; matched: number | null }>`SELECT coalesce(string_agg(f, ${separator}), '') AS text,
      count(*)::int AS n, ${withTotal ? sql`max(total)::int` : sql`NULL::int`} AS matched
    FROM (${pageSql(selection, feature, page, withTotal)}) page`.execute(database.db);
  const row = rows[0] ?? { text: '', n: 0, matched: null };
  return { text: row.text, n: row.n, ...(row.matched === null ? {} : { matched: row.matched }) };
}

/** one page through a cursor in batches, each batch with how many match in all (a window over the matches) */
export function streamedPage(
  database: DatabaseHandle,
  selection: FeatureSelection,
  feature: RawBuilder<string>,
  page: Page,
  batchSize: number,
): AsyncGenerator<Array<{ f: string; total?: number }>> {
  return streamRows(database, pageSql(selection, feature, page, true), { batchSize });
}

export async function countMatched(database: DatabaseHandle, selection: FeatureSelection): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${selection.relation.from} WHERE ${whereSql(selection)}`.execute(database.db);
  return rows[0]?.n ?? 0;
}

export function estimateMatched(database: DatabaseHandle, selection: FeatureSelection): Promise<number> {
  return estimateRows(database.db, sql`SELECT 1 FROM ${selection.relation.from} WHERE ${whereSql(selection)}`);
}
