// The LOR collections (`lor-{version}-{level}`) as an OGC collection provider over the feature table of LOR units.
import { type LorLevel, lorLevels } from '@datenpool/contracts';
import type { DatabaseHandle } from '@datenpool/db';
import { NotFound } from '@datenpool/service-kit';
import {
  type CollectionContext,
  type CollectionProvider,
  type DataVersion,
  type FeatureCollectionSource,
  FeatureTableSql,
  featureTableSource,
  type RowsQuery,
} from '@datenpool/ogc';
import {
  lorConditions,
  lorExtents,
  lorFeatureConditions,
  lorLevelCounts,
  lorTable,
  lorVersion,
  lorVersionRelation,
  type LorVersionRow,
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

const idPattern = /^lor-([A-Za-z0-9]+)-([a-z]+)$/;

function intersects(row: LorVersionRow, query: RowsQuery): boolean {
  const d = query.datetime;
  if (!d) return true;
  return (d.end === null || row.valid_from <= d.end) && (d.start === null || row.valid_to === null || row.valid_to >= d.start);
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

/**
 * What a provider instance keeps, by database. Version rows once looked up: the items of a known version are then read
 * with no look-up of their own, their statement reading the row afresh beside the page (a version that changed its
 * validity is read again, one that is gone is a 404). Everything else that shows the row (ETag and Last-Modified on
 * the other paths, the collection document) reads it afresh too. The feature expressions, built once.
 */
class LorMemory {
  readonly table = new FeatureTableSql(lorTable);
  private readonly versions = new WeakMap<DatabaseHandle, Map<string, LorVersionRow>>();
  private readonly metadata = new WeakMap<DatabaseHandle, Map<string, VersionMetadata>>();

  versionsOf(database: DatabaseHandle): Map<string, LorVersionRow> {
    let known = this.versions.get(database);
    if (!known) {
      known = new Map();
      this.versions.set(database, known);
    }
    return known;
  }

  metadataOf(database: DatabaseHandle, row: LorVersionRow): VersionMetadata {
    let known = this.metadata.get(database);
    if (!known) {
      known = new Map();
      this.metadata.set(database, known);
    }
    const byVersion = known;
    const updatedAt = row.updated_at.getTime();
    const remembered = byVersion.get(row.version);
    if (remembered && remembered.updatedAt === updatedAt) return remembered;
    const entry: VersionMetadata = { updatedAt, extents: lorExtents(database.db, row.version), counts: lorLevelCounts(database.db, row.version) };
    // a failed read is not remembered: the next request reads again
    const forget = () => {
      if (byVersion.get(row.version) === entry) byVersion.delete(row.version);
    };
    entry.extents.catch(forget);
    entry.counts.catch(forget);
    byVersion.set(row.version, entry);
    return entry;
  }
}

function dataVersionOf(row: LorVersionRow): DataVersion {
  return { lastModified: row.updated_at, tag: `${row.version}@${row.updated_at.toISOString()}` };
}

/** `fresh`: the row was read for this request; otherwise it is a remembered one to check before use */
function source(
  memory: LorMemory,
  context: CollectionContext,
  database: DatabaseHandle,
  row: LorVersionRow,
  level: LorLevel,
  fresh: boolean,
): FeatureCollectionSource {
  const key = { version: row.version, level };
  const known = memory.versionsOf(database);
  const id = `lor-${row.version}-${level}`;
  const gone = () => {
    known.delete(row.version);
    return new NotFound(`There is no collection ${id}.`);
  };
  async function current(): Promise<LorVersionRow> {
    if (fresh) return row;
    const now = await lorVersion(database.db, row.version);
    if (!now) throw gone();
    known.set(row.version, now);
    return now;
  }
  return featureTableSource<LorVersionRow>({
    id,
    database,
    table: memory.table,
    numberMatched: context.numberMatched(id),
    conditions: (query) => lorConditions(key, intersects(row, query)),
    itemConditions: (featureId) => lorFeatureConditions(key, featureId),
    async describe() {
      const now = await current();
      const extents = await memory.metadataOf(database, now).extents;
      // units without geometry yet still lie in Berlin
      const bbox = extents.get(level) ?? extents.get('berlin');
      return {
        title: `${levelTitles[level]} (${now.label})`,
        description: `LOR ${now.version}, level ${level}; geometry in EPSG:25833, served in CRS84 by default.`,
        extent: {
          ...(bbox ? { spatial: { bbox: [bbox] } } : {}),
          temporal: { interval: [[now.valid_from, now.valid_to]] },
        },
      };
    },
    dataVersion: async () => dataVersionOf(await current()),
    matchesNothing: (query) => !intersects(row, query),
    // an unfiltered count is the level's, kept per data version (the version as the page read it, or fresh)
    unfilteredCount(beside) {
      const version = beside ?? (fresh ? row : undefined);
      return version && memory.metadataOf(database, version).counts.then((counts) => counts.get(level) ?? 0);
    },
    streamAbove: STREAM_ABOVE,
    beside: {
      relation: lorVersionRelation(row.version),
      read(now, query) {
        if (!now) throw gone();
        known.set(row.version, now);
        if (now.valid_from !== row.valid_from || now.valid_to !== row.valid_to) {
          // the remembered validity was out of date: the datetime test must see the current one
          return { again: source(memory, context, database, now, level, true).items(query) };
        }
        return dataVersionOf(now);
      },
    },
  });
}

/** the LOR collections; the instance keeps version rows, per-version metadata and the feature expressions */
export function lorCollections(): CollectionProvider {
  const memory = new LorMemory();
  return {
    name: 'lor',
    async list(database, context) {
      const rows = await lorVersions(database.db);
      const known = memory.versionsOf(database);
      for (const row of rows) known.set(row.version, row);
      return rows.flatMap((row) => lorLevels.map((level) => source(memory, context, database, row, level, true)));
    },
    async get(database, collectionId, context) {
      const match = idPattern.exec(collectionId);
      const level = lorLevels.find((l) => l === match?.[2]);
      if (!match?.[1] || !level) return undefined;
      const known = memory.versionsOf(database);
      const remembered = known.get(match[1]);
      if (remembered) return source(memory, context, database, remembered, level, false);
      const row = await lorVersion(database.db, match[1]);
      if (!row) return undefined;
      known.set(row.version, row);
      return source(memory, context, database, row, level, true);
    },
  };
}
