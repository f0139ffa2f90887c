// `node services/indicators`: the indicators service alone on its own port (the recompute worker only with INDICATOR_WORKER=on).
import { runStandalone } from '@datenpool/service-kit';
import { indicatorsDescriptor } from './plugin.ts';

await runStandalone(indicatorsDescriptor('off'), 4004);
