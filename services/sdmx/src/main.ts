// `node services/sdmx`: the SDMX facade alone on its own port.
import { runStandalone } from '@datenpool/service-kit';
import { sdmxService } from './plugin.ts';

await runStandalone(sdmxService, 4005);
