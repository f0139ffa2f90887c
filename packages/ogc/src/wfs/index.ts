// WFS 2.0 (KVP) over collection sources: the routes and their extension of the OGC features plugin.
import type { App } from '@datenpool/service-kit';
import type { CollectionLookup } from '../provider.ts';
import { type WfsOptions, wfsRoutes } from './routes.ts';

/**
 * WFS as an extension of the OGC features plugin: `ogcFeatures({ …, extensions: [wfsExtension()] })` mounts `/wfs`
 * over the same collections. It declares no OGC API conformance class: WFS states what it implements in its own
 * capabilities (OperationsMetadata constraints, Filter_Capabilities).
 */
export function wfsExtension(options: WfsOptions = {}) {
  return {
    name: 'wfs',
    conformance: [] as readonly string[],
    routes: (app: App, collections: CollectionLookup) => wfsRoutes(app, collections, options),
  };
}

export { type WfsOptions, wfsQuery, wfsRoutes } from './routes.ts';
export { exceptionReport, WfsException } from './exception.ts';
export { FEATURE_NS, FEATURE_PREFIX, featureIdOf, gmlId } from './xml.ts';
