// `node services/metadata`: the metadata service alone on its own port.
import { runStandalone } from '@datenpool/service-kit';
import { metadataService } from './plugin.ts';

await runStandalone(metadataService, 4002);
