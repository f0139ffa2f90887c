// `node services/geometry`: the geometry service alone on its own port.
import { runStandalone } from '@datenpool/service-kit';
import { geometryService } from './plugin.ts';

await runStandalone(geometryService, 4001);
