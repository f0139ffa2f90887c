// @datenpool/ogc: OGC API vocabulary shared by the services: links, paging, CRS, bbox, datetime, CQL2, conformance.
/**
 * # Serving a collection through OGC API Features
 *
 * The OGC routes (`/collections`, `/collections/{id}`, `…/items`, `…/items/{fid}`, `…/queryables`,
 * `…/schema`) are mounted once, by the geometry service, at the gateway root. They do not know any
 * table: they ask every registered {@link CollectionProvider}. To serve collections from another
 * service (e.g. `indicator-{id}` layers), implement a provider and register it when the service's
 * routes are registered:
 *
 * ```ts
 * import { registerCollectionProvider, type CollectionProvider } from '@datenpool/ogc';
 * registerCollectionProvider(indicatorLayers); // idempotent, by provider name
 * ```
 *
 * A provider:
 * - `list(database)` / `get(database, id)`: returns {@link FeatureCollectionSource}s bound to the
 *   database of the request. Collection ids are global: use a prefix per provider (`lor-`, `indicator-`).
 * - each source gives `describe()` (id, title, CRS84 extent, storage CRS URI, geometry type),
 *   `queryables` (the property whitelist: the only names `filter`, `sortby` and `properties` may
 *   use; map each to a column in your own queries), `numberMatched` policy (`exact` where COUNT is
 *   cheap, `estimate` or `omit` where it is not), `dataVersion()` (Last-Modified and the part of the
 *   ETag that changes with the data; make it a cheap lookup, it runs on every request whose
 *   `items` result does not carry it), `items(query)` and `item(fid, crs)`.
 * - `items` gets an {@link ItemsQuery} whose parts are parsed and validated already (page, CRS,
 *   bbox in its CRS, datetime interval, CQL2 AST, sort keys, property selection). Compile the filter
 *   with {@link compileCql2} over your queryable columns, bring the bbox into storage with
 *   {@link bboxToStorageSql}, produce each Feature as GeoJSON text in PostGIS (the geometry with
 *   {@link geometryJsonSql}: transformed, axes in the CRS's order), and return an {@link ItemsResult}:
 *   `features` yields comma-joined Feature texts in chunks (one chunk from `string_agg` for small
 *   pages, use {@link singleChunk}; batches from a server-side cursor for large ones, with
 *   `streamed: true`), and `summary()` gives numberReturned and numberMatched once the chunks are
 *   consumed (a page shorter than `limit` ends the set: its end is the exact count, no COUNT needed).
 *   An aggregated page may carry `dataVersion`, read by the same statement: a request without
 *   If-None-Match or If-Modified-Since then costs one statement (the LOR provider does this).
 *   The routes wrap the chunks into the FeatureCollection ({@link featureCollectionChunks}), add
 *   self/alternate/next/prev links, ETag, Last-Modified and Content-Crs, and send small pages with
 *   a Content-Length and streamed ones chunked.
 * - `item(fid, crs, properties)` returns one Feature text or undefined (404).
 * - The HTML views need nothing extra: they ask `items` for the page in EPSG:25833 and draw it.
 *
 * See services/geometry/src/lor-collections.ts for a complete provider over a PostGIS table.
 *
 * Deployment note: the registry is per process. In-process (the default gateway) every service's
 * provider is visible to the OGC routes. Where services run as separate processes behind the
 * gateway's proxy, `/collections` is answered by the geometry process, so a provider from another
 * service must also be registered there (import it in the geometry service's routes) for its
 * collections to appear.
 *
 * Conformance: each module declares the classes it implements through {@link declareConformance}
 * when its routes are registered; `/conformance` lists {@link conformanceClasses}.
 */
export { type BoundingBox, parseBbox } from './bbox.ts';
export { featuresCoreConformance } from './conformance.ts';
export {
  CRS84,
  type CrsDefinition,
  contentCrsHeader,
  crsConformance,
  defaultCrs,
  EPSG_3857,
  EPSG_4326,
  EPSG_25833,
  parseCrs,
  supportedCrs,
} from './crs.ts';
export { type DateInterval, parseDatetime } from './datetime.ts';
export { type Link, mediaTypes, requestQuery, selfAndAlternate, withQuery } from './links.ts';
export { DEFAULT_LIMIT, MAX_LIMIT, neighbours, type Page, parsePage } from './paging.ts';
export { itemsSummary, type NumberMatchedPolicy, parseNumberMatchedPolicies } from './matched.ts';
export { type OgcSettings, ogcSettings } from './settings.ts';
export {
  type CollectionContext,
  type CollectionDescription,
  type CollectionLookup,
  type CollectionProvider,
  createDescriptionCache,
  type DataVersion,
  type FeatureCollectionSource,
  type FeatureRelation,
  type ItemsQuery,
  type ItemsResult,
  type ItemsSummary,
  type Queryable,
  type RowsQuery,
  type SortKey,
} from './provider.ts';
export type { Cql2Expression, Operand } from './cql2/ast.ts';
export { Cql2Error } from './cql2/ast.ts';
export { type Cql2Target, compileCql2 } from './cql2/compile.ts';
export { checkCql2, GEOMETRY_QUERYABLE } from './cql2/check.ts';
export { parseCql2Json } from './cql2/json-parser.ts';
export { parseCql2Text } from './cql2/text-parser.ts';
export { geometryToWkt, printCql2Text, toCql2Json } from './cql2/print.ts';
export { filterConformance, type ParsedFilter, parseFilter } from './cql2/parse-filter.ts';
export { collectBytes, featureCollectionChunks, featureText, singleChunk } from './feature-collection.ts';
export { featureParameters, itemsParameters, parseItemsQuery, parseProperties, rejectUnknownParameters } from './items-query.ts';
export { parseSortby, sortingConformance } from './sorting.ts';
export { featureSchema, queryablesSchema, schemaConformance, sortablesSchema } from './schema.ts';
export { answerConditionally, entityTag } from './caching.ts';
export { sendStream, sendText } from './send.ts';
export { bboxToStorageSql, geometryJsonSql, propertiesJsonSql, type StoredGeoJson, toStorageSql } from './storage.ts';
export { featureJsonSql, type ItemsTable, itemsOrderSql, itemsWhereSql } from './items-sql.ts';
export type { ItemsFormat, ItemsFormatInput } from './features/formats.ts';
export { collectionLookup, type FeaturesContext, type OgcExtension, type OgcFeaturesOptions, ogcFeatures } from './features/plugin.ts';
export { linkSchema } from './features/schemas.ts';
export { type FeatureColumn, type FeatureTable, tableQueryables } from './features/table.ts';
export { type FeaturePage, FeatureTableSql } from './features/queries/feature-table.ts';
export { featureTableSource, type FeatureTableSourceOptions } from './features/table-source.ts';
