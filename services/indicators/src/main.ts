// `node services/indicators`: the indicators service alone on its own port.
import { runStandalone } from '@datenpool/service-kit';
import { indicatorsService } from './plugin.ts';

await runStandalone(indicatorsService, 4004);
