// A collection source over a feature table (pygeoapi's provider base class): items, item, relation, queryables and
// numberMatched from the descriptor; the collection type gives only its key, its description and its data version.
import type { DatabaseHandle } from '@datenpool/db';
import type { RawBuilder } from 'kysely';
import type { CrsDefinition } from '../crs.ts';
import { singleChunk } from '../feature-collection.ts';
import { itemsSummary, type NumberMatchedPolicy } from '../matched.ts';
import type {
  CollectionDescription,
  DataVersion,
  FeatureCollectionSource,
  ItemsQuery,
  ItemsResult,
  ItemsSummary,
  Queryable,
  RowsQuery,
} from '../provider.ts';
import type { FeatureTableSql } from './queries/feature-table.ts';

export interface FeatureTableSourceOptions<Row extends object = never> {
  id: string;
  database: DatabaseHandle;
  table: FeatureTableSql;
  numberMatched: NumberMatchedPolicy;
  /** the collection's own conditions for a query: its key, and what the query's datetime selects */
  conditions(query: RowsQuery): RawBuilder<boolean>[];
  /** the conditions that select the feature of an id; undefined where no feature can have that id */
  itemConditions(featureId: string): RawBuilder<boolean>[] | undefined;
  /** title, description, extent; the storage CRS and geometry type come from the table */
  describe(): Promise<Omit<CollectionDescription, 'id' | 'storageCrs' | 'geometryType'>>;
  dataVersion(): Promise<DataVersion>;
  /** the queryables, where they differ from the table's columns */
  queryables?: readonly Queryable[];
  /** true where the query's datetime alone misses every feature (nothing to count) */
  matchesNothing?(query: RowsQuery): boolean;
  /** numberMatched of a query without bbox and filter where it is known without a count (kept per data version) */
  unfilteredCount?(beside: Row | undefined): Promise<number> | undefined;
  /** pages of more features are streamed from a cursor, in batches of this size; others aggregated in one statement */
  streamAbove?: number;
  /** a one-row relation read by the page's own statement: its data version, so that the page needs no look-up */
  beside?: {
    relation: RawBuilder<Row>;
    /** the row as the page read it (undefined: gone): the page's data version, or another answer where it moved */
    read(row: Row | undefined, query: ItemsQuery): DataVersion | { again: Promise<ItemsResult> };
  };
}

export function featureTableSource<Row extends object = never>(options: FeatureTableSourceOptions<Row>): FeatureCollectionSource {
  const { id, table, numberMatched: policy } = options;
  const db = options.database.db;
  const queryables = options.queryables ?? table.queryables;
  return {
    id,
    queryables,
    numberMatched: policy,
    async describe() {
      return {
        id,
        ...(await options.describe()),
        storageCrs: `http://www.opengis.net/def/crs/EPSG/0/${table.table.storageSrid}`,
        geometryType: table.table.geometryType,
      };
    },
    dataVersion: () => options.dataVersion(),
    async items(query) {
      const own = options.conditions(query);
      const nothing = options.matchesNothing?.(query) ?? false;
      // the count of a filtered page comes with the page; an unfiltered one may be known (kept per data version)
      const filtered = query.bbox !== undefined || query.filter !== undefined;
      const summarise = (n: number, matched: number | undefined, beside: Row | undefined): Promise<ItemsSummary> =>
        itemsSummary(policy, query.page, n, {
          exact: async () => {
            if (matched !== undefined) return matched;
            if (nothing) return 0;
            const known = filtered ? undefined : options.unfilteredCount?.(beside);
            return known ?? table.count(db, own, query);
          },
          estimate: () => table.estimate(db, own, query),
        });
      if (options.streamAbove !== undefined && query.page.limit > options.streamAbove) {
        const batchSize = options.streamAbove;
        let returned = 0;
        async function* batches() {
          for await (const batch of table.streamedPage(options.database, own, query, batchSize)) {
            returned += batch.n;
            yield batch.text;
          }
        }
        return { features: batches(), streamed: true, summary: () => summarise(returned, undefined, undefined) };
      }
      const withTotal = policy === 'exact' && filtered && !nothing;
      const page = await table.aggregatedPage<Row>(db, own, query, { withTotal, ...(options.beside ? { beside: options.beside.relation } : {}) });
      let dataVersion: DataVersion | undefined;
      if (options.beside) {
        const read = options.beside.read(page.beside, query);
        if ('again' in read) return read.again;
        dataVersion = read;
      }
      return {
        features: singleChunk(page.features),
        streamed: false,
        summary: () => summarise(page.n, page.matched, page.beside),
        ...(dataVersion ? { dataVersion } : {}),
      };
    },
    async item(featureId: string, crs: CrsDefinition, properties?: string[]) {
      const conditions = options.itemConditions(featureId);
      return conditions ? table.item(db, conditions, crs, properties) : undefined;
    },
    relation: (query: RowsQuery) => table.relation(options.conditions(query), query),
  };
}

