// The LOR collections (`lor-{version}-{level}`) as an OGC collection provider.
import { type LorLevel, lorLevels } from '@datenpool/contracts';
import type { DatabaseHandle } from '@datenpool/db';
import {
  type CollectionDescription,
  type CollectionProvider,
  EPSG_25833,
  type FeatureCollectionSource,
  type ItemsQuery,
  type ItemsSummary,
  type Queryable,
  singleChunk,
} from '@datenpool/ogc';
import {
  type LorVersionRow,
  lorCount,
  lorExtents,
  lorFeature,
  lorItems,
  lorItemsStream,
  lorVersion,
  lorVersions,
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

function intersects(row: LorVersionRow, query: ItemsQuery): boolean {
  const d = query.datetime;
  if (!d) return true;
  return (d.end === null || row.valid_from <= d.end) && (d.start === null || row.valid_to === null || row.valid_to >= d.start);
}

function source(database: DatabaseHandle, row: LorVersionRow, level: LorLevel): FeatureCollectionSource {
  const db = database.db;
  const key = { version: row.version, level };
  return {
    id: `lor-${row.version}-${level}`,
    queryables: lorQueryables,
    numberMatched: 'exact',
    async describe(): Promise<CollectionDescription> {
      const extents = await lorExtents(db, row.version);
      // units without geometry yet still lie in Berlin
      const bbox = extents.get(level) ?? extents.get('berlin');
      return {
        id: `lor-${row.version}-${level}`,
        title: `${levelTitles[level]} (${row.label})`,
        description: `LOR ${row.version}, level ${level}; geometry in EPSG:25833, served in CRS84 by default.`,
        extent: {
          ...(bbox ? { spatial: { bbox: [bbox] } } : {}),
          temporal: { interval: [[row.valid_from, row.valid_to]] },
        },
        storageCrs: EPSG_25833,
        geometryType: 'MultiPolygon',
      };
    },
    // the version row was read when the collection was looked up, in this same request
    async dataVersion() {
      return { lastModified: row.updated_at, tag: `${row.version}@${row.updated_at.toISOString()}` };
    },
    async items(query) {
      const scoped = { ...key, inTime: intersects(row, query) };
      const summarise = async (n: number): Promise<ItemsSummary> => {
        // a page that is not full ends the set: its end is the exact count, no COUNT(*) needed
        const lastPage = n < query.page.limit && (n > 0 || query.page.offset === 0);
        return { numberReturned: n, numberMatched: lastPage ? query.page.offset + n : await lorCount(db, scoped, query) };
      };
      if (database.pool && query.page.limit > STREAM_ABOVE) {
        const pool = database.pool;
        let returned = 0;
        async function* batches() {
          for await (const batch of lorItemsStream(pool, db, scoped, query, STREAM_ABOVE)) {
            returned += batch.n;
            yield batch.text;
          }
        }
        return { features: batches(), streamed: true, summary: () => summarise(returned) };
      }
      const page = await lorItems(db, scoped, query);
      return { features: singleChunk(page.features), streamed: false, summary: () => summarise(page.n) };
    },
    item: (id, crs, properties) => lorFeature(db, key, id, crs, properties),
  };
}

export const lorCollections: CollectionProvider = {
  name: 'lor',
  async list(database) {
    const rows = await lorVersions(database.db);
    return rows.flatMap((row) => lorLevels.map((level) => source(database, row, level)));
  },
  async get(database, collectionId) {
    const match = idPattern.exec(collectionId);
    const level = lorLevels.find((l) => l === match?.[2]);
    if (!match?.[1] || !level) return undefined;
    const row = await lorVersion(database.db, match[1]);
    return row ? source(database, row, level) : undefined;
  },
};
