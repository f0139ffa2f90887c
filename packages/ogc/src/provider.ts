// The collection provider interface: what a service implements to serve OGC API Features collections.
import type { DatabaseHandle } from '@datenpool/db';
import type { RawBuilder } from 'kysely';
import type { BoundingBox } from './bbox.ts';
import type { CrsDefinition } from './crs.ts';
import type { Cql2Expression } from './cql2/ast.ts';
import type { DateInterval } from './datetime.ts';
import type { NumberMatchedPolicy } from './matched.ts';
import type { Page } from './paging.ts';

/** a property clients may filter on (Part 3 queryables) and, where sortable, sort by (Part 5) */
export interface Queryable {
  name: string;
  title: string;
  type: 'string' | 'number' | 'integer' | 'boolean' | 'date';
  description?: string;
  sortable?: boolean;
  /** true for the property that also is the feature id */
  isId?: boolean;
}

export interface CollectionDescription {
  id: string;
  title: string;
  description?: string;
  /** spatial extent in CRS84 (west, south, east, north); temporal extent as ISO dates, null = open */
  extent: {
    spatial?: { bbox: [number, number, number, number][] };
    temporal?: { interval: [string | null, string | null][] };
  };
  /** URI of the CRS the geometry is stored in (Part 2 storageCrs) */
  storageCrs: string;
  /** GeoJSON geometry type of the features, for the schema (e.g. MultiPolygon) */
  geometryType: string;
}

export interface SortKey {
  name: string;
  direction: 'asc' | 'desc';
}

/** the parsed query of an items request; every part already validated against the collection */
export interface ItemsQuery {
  page: Page;
  crs: CrsDefinition;
  bbox?: BoundingBox;
  datetime?: DateInterval;
  filter?: { expression: Cql2Expression; crs: CrsDefinition };
  sortby?: SortKey[];
  /** the properties to include; all when undefined */
  properties?: string[];
}

export interface ItemsSummary {
  numberReturned: number;
  /** exact, estimated or left out according to the collection's numberMatched policy */
  numberMatched?: number;
}

export interface ItemsResult {
  /**
   * The features as GeoJSON Feature texts, as PostGIS produced them, in chunks: each chunk is
   * comma-joined Features. One chunk for a page aggregated in the database; many for a page
   * streamed from a cursor, so that memory stays flat however large the page.
   */
  features: AsyncIterable<string>;
  /** true where the chunks come from a cursor (the response is then sent chunked) */
  streamed: boolean;
  /** how many were returned and matched; call it after `features` is consumed */
  summary(): Promise<ItemsSummary>;
  /**
   * the data version as read by the same statement as the page, where the provider reads it so:
   * a request without If-None-Match or If-Modified-Since then needs no look-up of its own for the
   * ETag and Last-Modified
   */
  dataVersion?: DataVersion;
}

/** a collection's data version: changes whenever any of its features changes */
export interface DataVersion {
  lastModified: Date;
  /** an opaque string that identifies this state of the data, part of every ETag */
  tag: string;
  /** headers every answer of this state carries (indicator layers: Datenpool-Computed-At, Datenpool-Pending) */
  headers?: Record<string, string>;
}

/** a source's data version as a relation of one row, read by another statement in the same round trip */
export interface VersionBeside {
  /**
   * one row with a text column `version_key` that changes whenever the rows of the source's relation may change or the
   * source goes stale (no other column named `tile` or `rendered`)
   */
  relation: RawBuilder<{ version_key: string }>;
  /** the row as that statement read it (undefined: none): the data version, or `stale` where the source rests on a state that moved */
  read(row: Record<string, unknown> | undefined): DataVersion | 'stale';
}

/** the parts of an items query that choose rows (no page, no output CRS, no property selection) */
export type RowsQuery = Pick<ItemsQuery, 'bbox' | 'datetime' | 'filter' | 'sortby'>;

/**
 * A collection's features as one SQL relation, for the consumers that render rows themselves (vector tiles, WFS,
 * downloads): `SELECT … FROM ${from} WHERE ${where} ORDER BY ${order}` gives exactly the features `items` would give
 * for the same query, in the same order, with the same property values (withheld values already null).
 */
export interface FeatureRelation {
  /** the FROM clause, aliases inside */
  from: RawBuilder<unknown>;
  /** the collection's own rows for this query: its key, the datetime's selection, bbox and filter */
  where: RawBuilder<boolean>;
  /** the feature id (the `id` of the GeoJSON Feature) */
  id: RawBuilder<unknown>;
  /** the geometry, in the storage CRS */
  geometry: RawBuilder<unknown>;
  storageSrid: number;
  /** the feature's properties: name → SQL, in the order the features list them */
  properties: Record<string, RawBuilder<unknown>>;
  /** sort keys, then the tie-breakers that make the order stable */
  order: RawBuilder<unknown>;
}

export interface FeatureCollectionSource {
  /** the features as one SQL relation (see FeatureRelation) */
  relation(query: RowsQuery): FeatureRelation;
  /** the collection id, as in `/collections/{id}` */
  id: string;
  /**
   * may query the database (extents); called for collection documents, not for items, and kept by the routes per
   * `dataVersion().tag` (createDescriptionCache): a description that depends on more than the features needs a tag
   * that changes with that too
   */
  describe(): Promise<CollectionDescription>;
  /** the properties of the features; the geometry is always queryable as `geometry` */
  queryables: readonly Queryable[];
  /**
   * how numberMatched is given: `exact` where COUNT(*) is cheap, `estimate` from planner
   * statistics, `omit` where neither is affordable; next links work either way.
   */
  numberMatched: NumberMatchedPolicy;
  dataVersion(): Promise<DataVersion>;
  /**
   * where given, the data version as a one-row relation that a caller's statement reads beside its own rows (vector
   * tiles: one round trip per tile). A source that has it may be kept past its request by the routes that read it so:
   * `read` checks what the source was built from (`stale`: look the collection up again).
   */
  versionBeside?: VersionBeside;
  items(query: ItemsQuery): Promise<ItemsResult>;
  /** one feature as GeoJSON text, undefined where there is no such feature */
  item(featureId: string, crs: CrsDefinition, properties?: string[]): Promise<string | undefined>;
}

/** what the plugin serving the collections decides for every provider */
export interface CollectionContext {
  /** the numberMatched policy of a collection id (OGC_NUMBER_MATCHED) */
  numberMatched(collectionId: string): NumberMatchedPolicy;
}

/**
 * A provider holds no connection: the routes hand it the database of the app serving the request,
 * and it returns collection sources bound to that database for the duration of the request. It may keep what it read
 * per data version (extents, counts) in itself: the features plugin is given provider instances, one set per app.
 */
export interface CollectionProvider {
  /** a short name for logs and errors */
  name: string;
  /** the collections the provider serves now (may change at run time, e.g. after an import) */
  list(database: DatabaseHandle, context: CollectionContext): Promise<FeatureCollectionSource[]>;
  /** one collection by id, undefined where this provider has none of that id */
  get(database: DatabaseHandle, collectionId: string, context: CollectionContext): Promise<FeatureCollectionSource | undefined>;
}

/** how routes that serve collections (OGC API Features, Tiles, WFS, downloads) find them */
export interface CollectionLookup {
  list(database: DatabaseHandle): Promise<FeatureCollectionSource[]>;
  find(database: DatabaseHandle, collectionId: string): Promise<FeatureCollectionSource | undefined>;
}

/**
 * Collection descriptions by collection and data version, held by the app that creates it (the OGC routes): a
 * description scans the features for its extent, the data version is a cheap read, so a listing costs the versions
 * only until the data changes. A source whose description depends on more than its features must let its
 * `dataVersion().tag` change with that too.
 */
export function createDescriptionCache(max = 10_000): (source: FeatureCollectionSource) => Promise<CollectionDescription> {
  const known = new Map<string, { tag: string; description: Promise<CollectionDescription> }>();
  return async (source) => {
    const { tag } = await source.dataVersion();
    const hit = known.get(source.id);
    if (hit && hit.tag === tag) return hit.description;
    const entry = { tag, description: source.describe() };
    if (known.size >= max) known.clear();
    known.set(source.id, entry);
    // a failed read is not kept: the next request reads again
    entry.description.catch(() => {
      if (known.get(source.id) === entry) known.delete(source.id);
    });
    return entry.description;
  };
}

// a service descriptor's `collections` are providers of this interface (packages/service-kit/src/service.ts)
declare module '@datenpool/service-kit' {
  interface ServiceCollectionTypes {
    provider: CollectionProvider;
  }
}
