// The indicator layers as an OGC collection provider: `indicator-{id}`, LOR units of a level with the values of a date.
import { lorLevels } from '@datenpool/contracts';
import type { DatabaseHandle } from '@datenpool/db';
import {
  type CollectionProvider,
  type Cql2Expression,
  EPSG_25833,
  type FeatureCollectionSource,
  type ItemsQuery,
  itemsSummary,
  numberMatchedPolicy,
  type Queryable,
  type RowsQuery,
  singleChunk,
} from '@datenpool/ogc';
import { sql } from '@datenpool/db';
import type { IndicatorConfig } from './config.ts';
import { type IndicatorDefinition, variablesOf } from './plan.ts';
import { freshnessHeaders } from './freshness.ts';
import { loadDefinitions } from './queries/catalog.ts';
import { freshness } from './queries/queue.ts';
import {
  type LayerKey,
  layerColumns,
  layerConditions,
  layerCount,
  layerEstimate,
  layerExtent,
  layerFeature,
  layerFeatureId,
  layerFrom,
  layerItems,
  layerOrdering,
  layerProperties,
  STORAGE_SRID,
} from './queries/layers.ts';

/** the LOR version the layers show */
const VERSION = '2021';
const DEFAULT_LEVEL = 'planungsraum';

export const layerQueryables: readonly Queryable[] = [
  { name: 'id', title: 'Unit id', type: 'string', sortable: true, isId: false, description: 'LOR unit id' },
  { name: 'name', title: 'Name', type: 'string', sortable: true },
  {
    name: 'level',
    title: 'LOR level',
    type: 'string',
    description: `${lorLevels.join(', ')}; without a filter on level the layer shows the ${DEFAULT_LEVEL} level`,
  },
  { name: 'date', title: 'Reference date', type: 'date', sortable: true, description: 'selected with datetime; latest when absent' },
  { name: 'value', title: 'Value', type: 'number', sortable: true, description: 'null where suppressed' },
  { name: 'status', title: 'Status', type: 'string', description: 'ok, suppressed, provisional, estimated' },
  { name: 'berlin', title: 'Berlin value', type: 'number' },
  { name: 'district', title: 'District value', type: 'number' },
  { name: 'rank', title: 'Rank in the level', type: 'integer', sortable: true },
  { name: 'percentile', title: 'Percentile in the level', type: 'number', sortable: true },
  { name: 'change_1y', title: 'Change against the previous year', type: 'number', sortable: true },
  { name: 'target_distance', title: 'Distance to the target', type: 'number', sortable: true },
  { name: 'class', title: 'Index class', type: 'integer', sortable: true },
  { name: 'class_label', title: 'Index class label', type: 'string' },
];

/** true where the CQL2 filter names the level property (then it chooses the level) */
function mentionsLevel(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  const o = node as Record<string, unknown>;
  if (o.kind === 'property' && o.name === 'level') return true;
  return Object.values(o).some((v) => (Array.isArray(v) ? v.some(mentionsLevel) : mentionsLevel(v)));
}

function layerKey(indicator: string, query: RowsQuery): LayerKey {
  const expression: Cql2Expression | undefined = query.filter?.expression;
  return {
    indicator,
    version: VERSION,
    defaultLevel: mentionsLevel(expression) ? null : DEFAULT_LEVEL,
    dates: query.datetime ?? 'latest',
  };
}

/** the materialisation's state: ETag and Last-Modified change with every recompute; the freshness headers go along */
async function readDataVersion(db: DatabaseHandle['db']) {
  const f = await freshness(db);
  const at = f.computedAt ?? new Date(0);
  return { lastModified: at, tag: `indicators@${at.toISOString()}`, headers: freshnessHeaders(f) };
}

/** `version`: the state read once for a whole listing (every layer shares it), else read by the layer */
function source(
  database: DatabaseHandle,
  definition: IndicatorDefinition,
  version: () => ReturnType<typeof readDataVersion> = () => readDataVersion(database.db),
): FeatureCollectionSource {
  const db = database.db;
  const id = `indicator-${definition.id}`;
  const policy = numberMatchedPolicy(id);
  return {
    id,
    queryables: layerQueryables,
    numberMatched: policy,
    async describe() {
      const extent = await layerExtent(db, definition.id, VERSION);
      return {
        id,
        title: `${definition.labelDe} (${definition.unit})`,
        description:
          `Indicator ${definition.id} (${definition.zielbereich}) on the LOR ${VERSION} units. datetime selects the year (latest by default); ` +
          `filter=level='bezirksregion' (CQL2) selects the level (${DEFAULT_LEVEL} by default).`,
        extent: {
          ...(extent.bbox ? { spatial: { bbox: [extent.bbox] } } : {}),
          temporal: { interval: [[extent.first, extent.last]] },
        },
        storageCrs: EPSG_25833,
        geometryType: 'MultiPolygon',
      };
    },
    dataVersion: version,
    async items(query) {
      const key = layerKey(definition.id, query);
      const page = await layerItems(db, key, query);
      return {
        features: singleChunk(page.features),
        streamed: false,
        summary: () =>
          itemsSummary(policy, query.page, page.n, {
            exact: () => layerCount(db, key, query),
            estimate: () => layerEstimate(db, key, query),
          }),
      };
    },
    item: (featureId, crs, properties) => layerFeature(db, { indicator: definition.id, version: VERSION }, featureId, crs, properties),
    relation: (query: RowsQuery) => ({
      from: layerFrom,
      where: layerConditions(layerKey(definition.id, query), query),
      id: layerFeatureId,
      geometry: sql`u.geom`,
      storageSrid: STORAGE_SRID,
      properties: Object.fromEntries(layerProperties.map((p) => [p, layerColumns[p]!])),
      order: layerOrdering(query),
    }),
  };
}

/** public indicators only: layers of indicators over restricted variables are not listed */
async function publicDefinitions(database: DatabaseHandle): Promise<IndicatorDefinition[]> {
  const { definitions } = await loadDefinitions(database.db);
  const restricted = new Set(
    (await database.db.selectFrom('variable').select('id').where('access', '=', 'restricted').execute()).map((r) => r.id),
  );
  return definitions.filter((d) => ![...variablesOf(definitions, d.id)].some((v) => restricted.has(v)));
}

export function indicatorLayers(_config?: IndicatorConfig): CollectionProvider {
  return {
    name: 'indicators',
    async list(database) {
      // one read of the materialisation's state for the listing (/collections asks every layer for it)
      let shared: ReturnType<typeof readDataVersion> | undefined;
      const version = () => {
        shared ??= readDataVersion(database.db);
        return shared;
      };
      return (await publicDefinitions(database)).map((d) => source(database, d, version));
    },
    async get(database, collectionId) {
      if (!collectionId.startsWith('indicator-')) return undefined;
      const definition = (await publicDefinitions(database)).find((d) => `indicator-${d.id}` === collectionId);
      if (!definition) return undefined;
      return source(database, definition);
    },
  };
}
