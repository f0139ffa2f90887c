// @datenpool/ogc: OGC API Features as one plugin, and the OGC vocabulary: links, paging, CRS, bbox, datetime, CQL2.
/**
 * # Serving a collection through OGC API Features
 *
 * The OGC routes (`/conformance`, `/collections`, `/collections/{id}`, `…/items`, `…/items/{fid}`, `…/queryables`,
 * `…/schema`, `…/sortables` and their HTML) are one plugin, {@link ogcFeatures} (features/plugin.ts), mounted once by
 * whoever answers `/collections` (the gateway, in-process in both deployments, with its own database handle):
 *
 * ```ts
 * const features = ogcFeatures({
 *   providers: services.flatMap((s) => s.collections?.() ?? []), // ServiceDescriptor.collections: fresh instances
 *   numberMatched: parseNumberMatchedPolicies(spec),              // OGC_NUMBER_MATCHED, parsed at start
 *   itemFormats: createDownloadFormats(),                         // f=gpkg, f=csv (ItemsFormat, features/formats.ts)
 *   extensions: [tilesExtension(), wfsExtension()],               // OgcExtension: routes over the same lookup
 * });
 * await app.register(async (scoped) => features(scoped));
 * ```
 *
 * Nothing is global: the plugin instance holds its providers, its numberMatched policy and its conformance
 * declaration (the classes of features, CRS, filter, sorting and schemas, and those of each extension it mounts).
 * Extensions (vector tiles, WFS, …) and item formats never know a table: they get a {@link CollectionLookup}
 * (`list(database)`, `find(database, id)`) and read a source's {@link FeatureRelation}.
 *
 * ## A new collection type is one descriptor file
 *
 * Describe the table as a {@link FeatureTable} (features/table.ts): FROM (aliases inside), the id and geometry
 * expressions, the storage SRID, the geometry type, the columns with their queryable metadata (title, type,
 * description, sortable; `property: false` for the id), the tie-breakers of the order and, where one CRS dominates,
 * a column of stored CRS84 GeoJSON. {@link FeatureTableSql} (features/queries/feature-table.ts; one instance per
 * provider, it keeps the prebuilt feature expressions) writes every statement from it: the page aggregated into one
 * text by `string_agg`, the page streamed from a cursor, the window count of a filtered page, count, estimate, one
 * feature, extent and the relation. {@link featureTableSource} makes the {@link FeatureCollectionSource} from it and
 * the collection's own parts: `conditions(query)` (its key and what the datetime selects), `itemConditions(fid)`,
 * `describe()` (title, description, extent), `dataVersion()` (cheap: every request without a version from its page
 * reads it), and where useful `matchesNothing`, `unfilteredCount` (kept per data version), `streamAbove` and `beside`
 * (a data-version row read by the page's own statement, so that a request without If-None-Match costs one statement).
 * A {@link CollectionProvider} lists and finds the sources (ids are global: a prefix per provider, `lor-`,
 * `indicator-`); what it keeps per data version it keeps in itself, never in a module. The routes parse and validate
 * the query once ({@link ItemsQuery}), wrap the chunks into the FeatureCollection, add links, ETag, Last-Modified and
 * Content-Crs, and send small pages with a Content-Length and streamed ones chunked.
 *
 * Examples: packages/ogc/test/fixtures/playground-collection.ts (46 lines over a test table);
 * services/geometry/src/lor-collections.ts (versions, per-version extents and counts, streaming, the version row
 * beside the page), facility-collections.ts (columns per delivered dataset), services/indicators/src/layers.ts.
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
