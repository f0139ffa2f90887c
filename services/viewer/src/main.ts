// `node services/viewer`: the viewer's assets alone on their own port (the APIs it calls must be proxied to it).
import { runStandalone } from '@datenpool/service-kit';
import { viewerService } from './plugin.ts';

await runStandalone(viewerService, 4006);
