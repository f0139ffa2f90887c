// The facility datasets (Kitas, schools, youth centres) as an OGC collection provider: one collection per dataset, id =
// dataset, over the feature table of its points (queries/facility-features.ts).
import type { DatabaseHandle } from '@datenpool/db';
import {
  type CollectionContext,
  type CollectionProvider,
  type FeatureCollectionSource,
  FeatureTableSql,
  featureTableSource,
  type RowsQuery,
} from '@datenpool/ogc';
import {
  type FacilityDatasetHead,
  type FacilityDatasetRow,
  facilityConditions,
  facilityDatasetHeads,
  facilityDatasetShape,
  facilityFeatureConditions,
  facilityTable,
} from './queries/facility-features.ts';

function inTime(dataset: FacilityDatasetRow, query: RowsQuery): boolean {
  const d = query.datetime;
  if (!d) return true;
  return (d.start === null || dataset.reference_date >= d.start.slice(0, 10)) && (d.end === null || dataset.reference_date <= d.end.slice(0, 10));
}

/** a dataset as stored, its shape, and its feature table (feature expressions built once per delivery) */
interface KnownDataset {
  row: FacilityDatasetRow;
  table: FeatureTableSql;
}

function source(context: CollectionContext, database: DatabaseHandle, { row: dataset, table }: KnownDataset): FeatureCollectionSource {
  const id = dataset.id;
  const units = dataset.units.map((u) => `LOR ${u.version} ${u.level}`).join(', ');
  return featureTableSource({
    id,
    database,
    table,
    numberMatched: context.numberMatched(id),
    conditions: (query) => facilityConditions(id, inTime(dataset, query)),
    itemConditions: (featureId) => facilityFeatureConditions(id, featureId),
    async describe() {
      const bbox = dataset.extent;
      return {
        title: dataset.title,
        description:
          `${dataset.description} ${dataset.features} points as of ${dataset.reference_date}; each with the unit it lies in (${units || 'none'}). ` +
          `Source: ${dataset.source}; licence ${dataset.licence}. Geometry in EPSG:25833, served in CRS84 by default.`,
        extent: {
          ...(bbox ? { spatial: { bbox: [bbox] } } : {}),
          temporal: { interval: [[dataset.reference_date, dataset.reference_date]] },
        },
      };
    },
    dataVersion: async () => ({ lastModified: dataset.updated_at, tag: `${id}@${dataset.updated_at.toISOString()}` }),
    matchesNothing: (query) => !inTime(dataset, query),
    // the count of an unfiltered page is the dataset's, read once per delivery
    unfilteredCount: async () => dataset.total,
  });
}

/**
 * The shape of each dataset (its queryables, extent and count) by database, remembered with the dataset's updated_at: a
 * request reads only the dataset row, and the shape again only after a new delivery replaced the points.
 */
type Shapes = WeakMap<DatabaseHandle, Map<string, KnownDataset>>;

async function withShape(shapes: Shapes, database: DatabaseHandle, head: FacilityDatasetHead): Promise<KnownDataset> {
  let known = shapes.get(database);
  if (!known) {
    known = new Map();
    shapes.set(database, known);
  }
  const remembered = known.get(head.id);
  if (remembered && remembered.row.updated_at.getTime() === head.updated_at.getTime()) return { ...remembered, row: { ...remembered.row, ...head } };
  const row = { ...head, ...(await facilityDatasetShape(database.db, head.id)) };
  const entry = { row, table: new FeatureTableSql(facilityTable(row)) };
  known.set(head.id, entry);
  return entry;
}

/** the collections are the datasets stored in `facility_dataset`: a delivery of a new dataset adds one */
export function facilityCollections(): CollectionProvider {
  const shapes: Shapes = new WeakMap();
  return {
    name: 'facilities',
    async list(database, context) {
      const heads = await facilityDatasetHeads(database.db);
      return Promise.all(heads.map(async (h) => source(context, database, await withShape(shapes, database, h))));
    },
    async get(database, collectionId, context) {
      // other providers' ids (lor-…, indicator-…) are not facility datasets: no query for them
      if (!/^[a-z][a-z0-9_]*$/.test(collectionId)) return undefined;
      const [head] = await facilityDatasetHeads(database.db, collectionId);
      return head ? source(context, database, await withShape(shapes, database, head)) : undefined;
    },
  };
}
