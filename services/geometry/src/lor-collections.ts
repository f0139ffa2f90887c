// The LOR collections (`lor-{version}-{level}`) as an OGC collection provider.
import { type LorLevel, lorLevels } from '@datenpool/contracts';
import type { DatabaseHandle } from '@datenpool/db';
import { NotFound } from '@datenpool/service-kit';
import {
  type CollectionDescription,
  type CollectionProvider,
  type DataVersion,
  EPSG_25833,
  type FeatureCollectionSource,
  type ItemsQuery,
  type ItemsSummary,
  itemsSummary,
  numberMatchedPolicy,
  type Queryable,
  type RowsQuery,
  singleChunk,
} from '@datenpool/ogc';
import { sql } from '@datenpool/db';
import {
  type LorVersionRow,
  lorColumns,
  lorConditions,
  lorCount,
  lorEstimate,
  lorExtents,
  lorFeature,
  lorItems,
  lorItemsStream,
  lorLevelCounts,
  lorOrdering,
  lorProperties,
  lorVersion,
  lorVersions,
  STORAGE_SRID,
} from './queries/lor-features.ts';

/**
 * Pages up to this many features are aggregated into one text by the database (one round trip);
 * larger pages are streamed from a cursor in batches of this size, so memory stays flat.
 */
export const STREAM_ABOVE = 1000;

const levelTitles: Record<LorLevel, string> = {
  berlin: 'Berlin',
  bezirk: 'Bezirke',
  prognoseraum: 'Prognoseräume',
  bezirksregion: 'Bezirksregionen',
  planungsraum: 'Planungsräume',
};

export const lorQueryables: readonly Queryable[] = [
  { name: 'id', title: 'Unit id', type: 'string', sortable: true, isId: true, description: 'hierarchical LOR id' },
  { name: 'name', title: 'Name', type: 'string', sortable: true },
  { name: 'level', title: 'LOR level', type: 'string' },
  { name: 'version', title: 'LOR version', type: 'string' },
  { name: 'parent_id', title: 'Parent unit id', type: 'string', sortable: true },
  { name: 'area_m2', title: 'Area (m²)', type: 'number', sortable: true },
];

const idPattern = /^lor-([A-Za-z0-9]+)-([a-z]+)$/;

function intersects(row: LorVersionRow, query: RowsQuery): boolean {
  const d = query.datetime;
  if (!d) return true;
  return (d.end === null || row.valid_from <= d.end) && (d.start === null || row.valid_to === null || row.valid_to >= d.start);
}

/**
 * Version rows by database, once looked up: the items of a known version are then read with no
 * look-up of their own, their statement reading the row afresh beside the page (a version that
 * changed its validity is read again, one that is gone is a 404). Everything else that shows the
 * row (ETag and Last-Modified on the other paths, the collection document) reads it afresh too.
 */
const knownVersions = new WeakMap<DatabaseHandle, Map<string, LorVersionRow>>();

function versionsOf(database: DatabaseHandle): Map<string, LorVersionRow> {
  let known = knownVersions.get(database);
  if (!known) {
    known = new Map();
    knownVersions.set(database, known);
  }
  return known;
}

/**
 * What a version's collections show that costs a scan of its units: the extent of each level (ST_Extent over every
 * polygon: 0.14 s for 100 000) and how many units each level has (numberMatched of an unfiltered page). Kept per
 * database and version with the `updated_at` it was read at, which a trigger moves on every change of the version's
 * units (migration 0010): read once per data version, and shared by the five levels.
 */
interface VersionMetadata {
  updatedAt: number;
  extents: Promise<Map<string, [number, number, number, number]>>;
  counts: Promise<Map<string, number>>;
}

const metadataByDatabase = new WeakMap<DatabaseHandle, Map<string, VersionMetadata>>();

function metadataOf(database: DatabaseHandle, row: LorVersionRow): VersionMetadata {
  let known = metadataByDatabase.get(database);
  if (!known) {
    known = new Map();
    metadataByDatabase.set(database, known);
  }
  const updatedAt = row.updated_at.getTime();
  const remembered = known.get(row.version);
  if (remembered && remembered.updatedAt === updatedAt) return remembered;
  const entry: VersionMetadata = {
    updatedAt,
    extents: lorExtents(database.db, row.version),
    counts: lorLevelCounts(database.db, row.version),
  };
  // a failed read is not remembered: the next request reads again
  const forget = () => {
    if (known.get(row.version) === entry) known.delete(row.version);
  };
  entry.extents.catch(forget);
  entry.counts.catch(forget);
  known.set(row.version, entry);
  return entry;
}

function dataVersionOf(row: LorVersionRow): DataVersion {
  return { lastModified: row.updated_at, tag: `${row.version}@${row.updated_at.toISOString()}` };
}

/** `fresh`: the row was read for this request; otherwise it is a remembered one to check before use */
function source(database: DatabaseHandle, row: LorVersionRow, level: LorLevel, fresh: boolean): FeatureCollectionSource {
  const db = database.db;
  const key = { version: row.version, level };
  const known = versionsOf(database);
  const id = `lor-${row.version}-${level}`;
  const policy = numberMatchedPolicy(id);
  async function current(): Promise<LorVersionRow> {
    if (fresh) return row;
    const now = await lorVersion(db, row.version);
    if (!now) {
      known.delete(row.version);
      throw new NotFound(`There is no collection ${id}.`);
    }
    known.set(row.version, now);
    return now;
  }
  return {
    id,
    queryables: lorQueryables,
    numberMatched: policy,
    async describe(): Promise<CollectionDescription> {
      const now = await current();
      const extents = await metadataOf(database, now).extents;
      // units without geometry yet still lie in Berlin
      const bbox = extents.get(level) ?? extents.get('berlin');
      return {
        id,
        title: `${levelTitles[level]} (${now.label})`,
        description: `LOR ${now.version}, level ${level}; geometry in EPSG:25833, served in CRS84 by default.`,
        extent: {
          ...(bbox ? { spatial: { bbox: [bbox] } } : {}),
          temporal: { interval: [[now.valid_from, now.valid_to]] },
        },
        storageCrs: EPSG_25833,
        geometryType: 'MultiPolygon',
      };
    },
    async dataVersion() {
      return dataVersionOf(await current());
    },
    async items(query) {
      const scoped = { ...key, inTime: intersects(row, query) };
      // the count of a filtered page comes with the page; an unfiltered one is the level's, kept per data version
      const filtered = query.bbox !== undefined || query.filter !== undefined;
      const summarise = (n: number, matched?: number, version?: LorVersionRow): Promise<ItemsSummary> =>
        itemsSummary(policy, query.page, n, {
          exact: async () => {
            if (matched !== undefined) return matched;
            if (!scoped.inTime) return 0;
            if (!filtered && version) return (await metadataOf(database, version).counts).get(level) ?? 0;
            return lorCount(db, scoped, query);
          },
          estimate: () => lorEstimate(db, scoped, query),
        });
      if (query.page.limit > STREAM_ABOVE) {
        let returned = 0;
        async function* batches() {
          for await (const batch of lorItemsStream(database, scoped, query, STREAM_ABOVE)) {
            returned += batch.n;
            yield batch.text;
          }
        }
        return { features: batches(), streamed: true, summary: () => summarise(returned, undefined, fresh ? row : undefined) };
      }
      const page = await lorItems(db, scoped, query, policy === 'exact' && filtered && scoped.inTime);
      if (!page.version) {
        known.delete(row.version);
        throw new NotFound(`There is no collection ${id}.`);
      }
      known.set(row.version, page.version);
      if (page.version.valid_from !== row.valid_from || page.version.valid_to !== row.valid_to) {
        // the remembered validity was out of date: the datetime test must see the current one
        return source(database, page.version, level, true).items(query);
      }
      return {
        features: singleChunk(page.features),
        streamed: false,
        summary: () => summarise(page.n, page.matched, page.version),
        dataVersion: dataVersionOf(page.version),
      };
    },
    item: (featureId, crs, properties) => lorFeature(db, key, featureId, crs, properties),
    relation: (query: RowsQuery) => ({
      from: sql`lor_unit u`,
      where: lorConditions({ ...key, inTime: intersects(row, query) }, query),
      id: sql`u.id`,
      geometry: sql`u.geom`,
      storageSrid: STORAGE_SRID,
      properties: Object.fromEntries(lorProperties.map((p) => [p, lorColumns[p]!])),
      order: lorOrdering(query),
    }),
  };
}

export const lorCollections: CollectionProvider = {
  name: 'lor',
  async list(database) {
    const rows = await lorVersions(database.db);
    const known = versionsOf(database);
    for (const row of rows) known.set(row.version, row);
    return rows.flatMap((row) => lorLevels.map((level) => source(database, row, level, true)));
  },
  async get(database, collectionId) {
    const match = idPattern.exec(collectionId);
    const level = lorLevels.find((l) => l === match?.[2]);
    if (!match?.[1] || !level) return undefined;
    const known = versionsOf(database);
    const remembered = known.get(match[1]);
    if (remembered) return source(database, remembered, level, false);
    const row = await lorVersion(database.db, match[1]);
    if (!row) return undefined;
    known.set(row.version, row);
    return source(database, row, level, true);
  },
};
