// `node services/ingest`: the ingest service alone on its own port.
import { runStandalone } from '@datenpool/service-kit';
import { ingestService } from './plugin.ts';

await runStandalone(ingestService, 4003);
