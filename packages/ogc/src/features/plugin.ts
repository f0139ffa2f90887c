// OGC API Features as one plugin factory (tipg's endpoint factories): the routes of the collections it is given, their
// HTML, the extensions it mounts (tiles, WFS) and the conformance declaration of exactly what it mounts.
import type { App } from '@datenpool/service-kit';
import { featuresCoreConformance } from '../conformance.ts';
import { crsConformance } from '../crs.ts';
import { filterConformance } from '../cql2/parse-filter.ts';
import type { Link } from '../links.ts';
import type { NumberMatchedPolicy } from '../matched.ts';
import { type CollectionLookup, type CollectionProvider, createDescriptionCache } from '../provider.ts';
import { schemaConformance } from '../schema.ts';
import { sortingConformance } from '../sorting.ts';
import type { ItemsFormat } from './formats.ts';
import { collectionRoutes } from './routes/collections.ts';
import { itemRoutes } from './routes/items.ts';

/** routes beside the features that read the same collections (vector tiles, WFS), with the classes they implement */
export interface OgcExtension {
  name: string;
  conformance: readonly string[];
  routes(app: App, collections: CollectionLookup): Promise<void>;
  /** links every collection document carries to what the extension serves for it (e.g. its tilesets) */
  collectionLinks?(collectionUrl: string): Link[];
}

export interface OgcFeaturesOptions {
  /** every provider whose collections this plugin serves, in the order `/collections` lists them */
  providers: readonly CollectionProvider[];
  /** numberMatched per collection id (OGC_NUMBER_MATCHED, parsed at start: parseNumberMatchedPolicies) */
  numberMatched: (collectionId: string) => NumberMatchedPolicy;
  /** extra items formats (`f=gpkg`, …), listed as alternate links and in the OpenAPI `f` values */
  itemFormats?: readonly ItemsFormat[];
  extensions?: readonly OgcExtension[];
}

/** what the routes of one plugin instance share */
export interface FeaturesContext {
  collections: CollectionLookup;
  conformance: readonly string[];
  itemFormats: readonly ItemsFormat[];
  /** the mounted extensions' links of one collection document */
  collectionLinks(collectionUrl: string): Link[];
}

/** the providers as one lookup, each asked in turn; every source gets its numberMatched policy from `numberMatched` */
export function collectionLookup(
  providers: readonly CollectionProvider[],
  numberMatched: (collectionId: string) => NumberMatchedPolicy,
): CollectionLookup {
  const names = new Set<string>();
  for (const p of providers) {
    if (names.has(p.name)) throw new Error(`OGC features: two collection providers are named ${p.name}`);
    names.add(p.name);
  }
  const context = { numberMatched };
  return {
    async list(database) {
      const lists = await Promise.all(providers.map((p) => p.list(database, context)));
      return lists.flat();
    },
    async find(database, collectionId) {
      for (const provider of providers) {
        const found = await provider.get(database, collectionId, context);
        if (found) return found;
      }
      return undefined;
    },
  };
}

/**
 * The plugin: `await ogcFeatures({ providers, numberMatched })(app)` registers /conformance, /collections and below on
 * `app` (mount it once, where `/collections` is answered). Features are read through `readHandle(app.database)`.
 */
export function ogcFeatures(options: OgcFeaturesOptions): (app: App) => Promise<void> {
  const collections = collectionLookup(options.providers, options.numberMatched);
  const extensions = options.extensions ?? [];
  const itemFormats = options.itemFormats ?? [];
  const formatNames = new Set(['json', 'html']);
  for (const format of itemFormats) {
    if (formatNames.has(format.name)) throw new Error(`OGC features: the items format f=${format.name} is offered twice`);
    formatNames.add(format.name);
  }
  const conformance = [
    ...new Set([
      ...featuresCoreConformance,
      ...crsConformance,
      ...filterConformance,
      ...sortingConformance,
      ...schemaConformance,
      ...extensions.flatMap((e) => e.conformance),
    ]),
  ].sort();
  const context: FeaturesContext = {
    collections,
    conformance,
    itemFormats,
    collectionLinks: (url) => extensions.flatMap((e) => e.collectionLinks?.(url) ?? []),
  };
  return async (app) => {
    // extents are scans of every geometry: kept per collection and data version, for this app
    const describe = createDescriptionCache();
    await collectionRoutes(app, context, describe);
    await itemRoutes(app, context);
    for (const extension of extensions) await extension.routes(app, collections);
  };
}
