// The facility datasets (Kitas, schools, youth centres) as an OGC collection provider: one collection per dataset, id = dataset.
import type { DatabaseHandle } from '@datenpool/db';
import {
  type CollectionProvider,
  EPSG_25833,
  type FeatureCollectionSource,
  type ItemsQuery,
  itemsOrderSql,
  itemsSummary,
  numberMatchedPolicy,
  type Queryable,
  type RowsQuery,
  singleChunk,
} from '@datenpool/ogc';
import { sql } from '@datenpool/db';
import {
  FACILITY_SRID,
  type FacilityDatasetRow,
  facilityColumns,
  facilityConditions,
  facilityCount,
  type FacilityDatasetHead,
  facilityDatasetHeads,
  facilityDatasetShape,
  facilityEstimate,
  facilityFeature,
  facilityItems,
  facilityTable,
  type TypedColumn,
} from './queries/facility-features.ts';

const typedQueryables: Record<TypedColumn, Omit<Queryable, 'name'>> = {
  name: { title: 'Name', type: 'string', sortable: true },
  places: { title: 'Places', type: 'integer', sortable: true, description: 'approved places (e_platz)' },
  schulart: { title: 'School type (Schulart)', type: 'string', sortable: true, description: 'as published, e.g. Grundschule, Gymnasium' },
  traeger: { title: 'Operator (Träger)', type: 'string', sortable: true, description: 'type of operator, as published' },
};

/** id, the typed columns with values, the LOR unit per version, then every delivered property (as text) */
export function facilityQueryables(dataset: FacilityDatasetRow): Queryable[] {
  const levels = new Map(dataset.units.map((u) => [u.version, u.level]));
  return Object.keys(facilityColumns(dataset)).map((name): Queryable => {
    if (name === 'id') return { name, title: 'Facility id', type: 'string', sortable: true, isId: true, description: 'the id the publisher gives it' };
    if (name in typedQueryables) return { name, ...typedQueryables[name as TypedColumn] };
    const version = /^lor_(.+)$/.exec(name)?.[1];
    if (version && levels.has(version)) {
      return { name, title: `LOR ${version} unit`, type: 'string', sortable: true, description: `id of the ${levels.get(version)} (LOR ${version}) the point lies in` };
    }
    return { name, title: name, type: 'string', sortable: true, description: 'property as delivered (text)' };
  });
}

function inTime(dataset: FacilityDatasetRow, query: RowsQuery): boolean {
  const d = query.datetime;
  if (!d) return true;
  return (d.start === null || dataset.reference_date >= d.start.slice(0, 10)) && (d.end === null || dataset.reference_date <= d.end.slice(0, 10));
}

function source(database: DatabaseHandle, dataset: FacilityDatasetRow): FeatureCollectionSource {
  const db = database.db;
  const id = dataset.id;
  const policy = numberMatchedPolicy(id);
  const units = dataset.units.map((u) => `LOR ${u.version} ${u.level}`).join(', ');
  return {
    id,
    queryables: facilityQueryables(dataset),
    numberMatched: policy,
    async describe() {
      const bbox = dataset.extent;
      return {
        id,
        title: dataset.title,
        description:
          `${dataset.description} ${dataset.features} points as of ${dataset.reference_date}; each with the unit it lies in (${units || 'none'}). ` +
          `Source: ${dataset.source}; licence ${dataset.licence}. Geometry in EPSG:25833, served in CRS84 by default.`,
        extent: {
          ...(bbox ? { spatial: { bbox: [bbox] } } : {}),
          temporal: { interval: [[dataset.reference_date, dataset.reference_date]] },
        },
        storageCrs: EPSG_25833,
        geometryType: 'Point',
      };
    },
    async dataVersion() {
      return { lastModified: dataset.updated_at, tag: `${id}@${dataset.updated_at.toISOString()}` };
    },
    async items(query) {
      const key = { dataset, inTime: inTime(dataset, query) };
      // the count of a filtered page comes with the page; an unfiltered one is the dataset's, read once per delivery
      const filtered = query.bbox !== undefined || query.filter !== undefined;
      const page = await facilityItems(db, key, query, policy === 'exact' && filtered && key.inTime);
      return {
        features: singleChunk(page.features),
        streamed: false,
        summary: () =>
          itemsSummary(policy, query.page, page.n, {
            exact: async () => {
              if (page.matched !== undefined) return page.matched;
              if (!key.inTime) return 0;
              return filtered ? facilityCount(db, key, query) : dataset.total;
            },
            estimate: () => facilityEstimate(db, key, query),
          }),
      };
    },
    item: (featureId, crs, properties) => facilityFeature(db, dataset, featureId, crs, properties),
    relation(query: RowsQuery) {
      const { id: idColumn, ...properties } = facilityColumns(dataset);
      return {
        from: sql`facility f`,
        where: facilityConditions({ dataset, inTime: inTime(dataset, query) }, query),
        id: idColumn ?? sql`f.id`,
        geometry: sql`f.geom`,
        storageSrid: FACILITY_SRID,
        properties,
        order: itemsOrderSql(facilityTable(dataset), query, [sql`f.id`]),
      };
    },
  };
}

/**
 * The shape of each dataset (its queryables, extent and count) by database, remembered with the dataset's updated_at: a
 * request reads only the dataset row, and the shape again only after a new delivery replaced the points.
 */
const shapes = new WeakMap<DatabaseHandle, Map<string, FacilityDatasetRow>>();

async function withShape(database: DatabaseHandle, head: FacilityDatasetHead): Promise<FacilityDatasetRow> {
  let known = shapes.get(database);
  if (!known) {
    known = new Map();
    shapes.set(database, known);
  }
  const remembered = known.get(head.id);
  if (remembered && remembered.updated_at.getTime() === head.updated_at.getTime()) return { ...remembered, ...head };
  const row = { ...head, ...(await facilityDatasetShape(database.db, head.id)) };
  known.set(head.id, row);
  return row;
}

/** the collections are the datasets stored in `facility_dataset`: a delivery of a new dataset adds one */
export const facilityCollections: CollectionProvider = {
  name: 'facilities',
  async list(database) {
    const heads = await facilityDatasetHeads(database.db);
    return Promise.all(heads.map(async (h) => source(database, await withShape(database, h))));
  },
  async get(database, collectionId) {
    // other providers' ids (lor-…, indicator-…) are not facility datasets: no query for them
    if (!/^[a-z][a-z0-9_]*$/.test(collectionId)) return undefined;
    const [head] = await facilityDatasetHeads(database.db, collectionId);
    return head ? source(database, await withShape(database, head)) : undefined;
  },
};
