// `node services/geometry`: the geometry service alone on its own port. It answers every OGC API
// Features route of a split deployment, so it also serves the indicator layers (the provider
// registry is per process; in-process the indicators service registers them itself).
import { indicatorConfigFromEnv, indicatorLayers } from '@datenpool/indicators';
import { registerCollectionProvider } from '@datenpool/ogc';
import { runStandalone } from '@datenpool/service-kit';
import { geometryService } from './plugin.ts';

await runStandalone(geometryService, 4001);
// after the LOR provider (registered with the routes), so /collections lists them in the same
// order as the in-process gateway
registerCollectionProvider(indicatorLayers(indicatorConfigFromEnv()));
