// `node services/geometry`: the geometry service alone on its own port (its LOR routes). Its OGC collections are
// served by the OGC features plugin where /collections is answered: the gateway, with every service's providers.
import { runStandalone } from '@datenpool/service-kit';
import { geometryService } from './plugin.ts';

await runStandalone(geometryService, 4001);
