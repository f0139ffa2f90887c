// The indicator layers as an OGC collection provider: `indicator-{id}`, LOR units of a level with the values of a date,
// over the feature table of indicator values (queries/layers.ts).
import type { DatabaseHandle } from '@datenpool/db';
import {
  type CollectionContext,
  type CollectionProvider,
  type FeatureCollectionSource,
  FeatureTableSql,
  featureTableSource,
  type Queryable,
  type RowsQuery,
  tableQueryables,
} from '@datenpool/ogc';
import { type IndicatorDefinition, variablesOf } from './plan.ts';
import { freshnessHeaders } from './freshness.ts';
import { loadDefinitions } from './queries/catalog.ts';
import { type Freshness, freshness } from './queries/queue.ts';
import {
  catalogFingerprint,
  DEFAULT_LEVEL,
  type LayerKey,
  layerConditions,
  layerExtent,
  layerFeatureConditions,
  layerTable,
  type LayerVersionRow,
  layerVersionRelation,
} from './queries/layers.ts';
import { mayReadAll, variableAccess } from '@datenpool/service-kit';

/** the LOR version the layers show */
const VERSION = '2021';

export const layerQueryables: readonly Queryable[] = tableQueryables(layerTable);

/** true where the CQL2 filter names the level property (then it chooses the level) */
function mentionsLevel(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  const o = node as Record<string, unknown>;
  if (o.kind === 'property' && o.name === 'level') return true;
  return Object.values(o).some((v) => (Array.isArray(v) ? v.some(mentionsLevel) : mentionsLevel(v)));
}

function layerKey(indicator: string, query: RowsQuery): LayerKey {
  return {
    indicator,
    version: VERSION,
    defaultLevel: mentionsLevel(query.filter?.expression) ? null : DEFAULT_LEVEL,
    dates: query.datetime ?? 'latest',
  };
}

/** the materialisation's state: ETag and Last-Modified change with every recompute; the freshness headers go along */
async function readDataVersion(db: DatabaseHandle['db']) {
  return versionOf(await freshness(db));
}

function versionOf(f: Freshness) {
  const at = f.computedAt ?? new Date(0);
  return { lastModified: at, tag: `indicators@${at.toISOString()}`, headers: freshnessHeaders(f) };
}

/**
 * The version read beside a tile (one statement for the tile, no look-up of the layer): stale where the catalog moved
 * from `catalog`, the fingerprint the layer's definition was read at (the layer may be gone or restricted). The tag
 * and Last-Modified name the units' state too, as a tile shows their names and outlines.
 */
function versionBeside(catalog: string): FeatureCollectionSource['versionBeside'] {
  return {
    relation: layerVersionRelation(VERSION),
    read(found) {
      const row = found as Partial<LayerVersionRow> | undefined;
      if (!row || row.catalog !== catalog) return 'stale';
      const at = (value: Date | null | undefined) => (value === null || value === undefined ? null : new Date(value));
      const computed = versionOf({ computedAt: at(row.computed_at), pending: Number(row.pending) });
      const units = at(row.units_at);
      if (!units) return computed;
      return {
        ...computed,
        lastModified: new Date(Math.max(units.getTime(), computed.lastModified.getTime())),
        tag: `${computed.tag};lor@${units.toISOString()}`,
      };
    },
  };
}

/**
 * `version`: the state read once for a whole listing (every layer shares it), else read by the layer; `catalog`: the
 * catalog fingerprint the definition was read at, where the tiles may read the version beside the tile
 */
function source(
  table: FeatureTableSql,
  context: CollectionContext,
  database: DatabaseHandle,
  definition: IndicatorDefinition,
  version: () => ReturnType<typeof readDataVersion> = () => readDataVersion(database.db),
  catalog?: string,
): FeatureCollectionSource {
  const id = `indicator-${definition.id}`;
  const layer = featureTableSource({
    id,
    database,
    table,
    numberMatched: context.numberMatched(id),
    queryables: layerQueryables,
    conditions: (query) => layerConditions(layerKey(definition.id, query)),
    itemConditions: (featureId) => layerFeatureConditions({ indicator: definition.id, version: VERSION }, featureId),
    async describe() {
      const extent = await layerExtent(database.db, definition.id, VERSION);
      return {
        title: `${definition.labelDe} (${definition.unit})`,
        description:
          `Indicator ${definition.id} (${definition.zielbereich}) on the LOR ${VERSION} units. datetime selects the year (latest by default); ` +
          `filter=level='bezirksregion' (CQL2) selects the level (${DEFAULT_LEVEL} by default).`,
        extent: {
          ...(extent.bbox ? { spatial: { bbox: [extent.bbox] } } : {}),
          temporal: { interval: [[extent.first, extent.last]] },
        },
      };
    },
    dataVersion: version,
  });
  return catalog === undefined ? layer : { ...layer, versionBeside: versionBeside(catalog) };
}

/** public indicators only: layers of indicators over restricted variables are not listed */
async function readPublicDefinitions(database: DatabaseHandle): Promise<IndicatorDefinition[]> {
  const { definitions } = await loadDefinitions(database.db);
  const inputs = new Map(definitions.map((d) => [d.id, variablesOf(definitions, d.id)]));
  const access = new Map((await variableAccess(database.db, [...inputs.values()].flatMap((v) => [...v]))).map((r) => [r.id, r]));
  // the one read rule, for an anonymous reader: a layer is listed where everyone may read every input
  return definitions.filter((d) => mayReadAll(null, [...(inputs.get(d.id) ?? [])].flatMap((v) => access.get(v) ?? [])));
}

/**
 * The public definitions, kept per database until the catalog's fingerprint changes: a tile or an item of a layer
 * reads the fingerprint, not the catalog (three statements) and the restricted variables again.
 */
class PublicDefinitions {
  private readonly kept = new WeakMap<DatabaseHandle['db'], { fingerprint: string; definitions: Promise<IndicatorDefinition[]> }>();

  async of(database: DatabaseHandle): Promise<IndicatorDefinition[]> {
    return (await this.current(database)).definitions;
  }

  /** the definitions and the fingerprint they were read at */
  async current(database: DatabaseHandle): Promise<{ fingerprint: string; definitions: Promise<IndicatorDefinition[]> }> {
    const fingerprint = await catalogFingerprint(database.db);
    const hit = this.kept.get(database.db);
    if (hit && hit.fingerprint === fingerprint) return hit;
    const entry = { fingerprint, definitions: readPublicDefinitions(database) };
    this.kept.set(database.db, entry);
    // a failed read is not kept: the next request reads again
    entry.definitions.catch(() => {
      if (this.kept.get(database.db) === entry) this.kept.delete(database.db);
    });
    return entry;
  }
}

/** the indicator layers; the instance keeps the layers' feature expressions and the public definitions (per catalog state) */
export function indicatorLayers(): CollectionProvider {
  const table = new FeatureTableSql(layerTable);
  const definitions = new PublicDefinitions();
  return {
    name: 'indicators',
    async list(database, context) {
      // one read of the materialisation's state for the listing (/collections asks every layer for it)
      let shared: ReturnType<typeof readDataVersion> | undefined;
      const version = () => {
        shared ??= readDataVersion(database.db);
        return shared;
      };
      return (await definitions.of(database)).map((d) => source(table, context, database, d, version));
    },
    async get(database, collectionId, context) {
      if (!collectionId.startsWith('indicator-')) return undefined;
      const { fingerprint, definitions: current } = await definitions.current(database);
      const definition = (await current).find((d) => `indicator-${d.id}` === collectionId);
      if (!definition) return undefined;
      return source(table, context, database, definition, undefined, fingerprint);
    },
  };
}
