// `node services/indicators/src/worker-main.ts`: the recompute worker as its own process (split deployment); several may
// run at once. It serves /health and /ready only, and stops through the service-kit lifecycle (SIGTERM, SIGINT).
import { createApp, openProcessContext, serveUntilSignal, settingsOf } from '@datenpool/service-kit';
import { indicatorSettings } from './config.ts';
import { RecomputeWorker } from './worker.ts';

const context = await openProcessContext({ port: 4006 }, [indicatorSettings]);
const config = settingsOf(context.config, indicatorSettings);
if (config.worker === 'off') throw new Error('invalid configuration: INDICATOR_WORKER: off, but this process is the worker (unset it or set on)');
const app = await createApp({ title: 'Datenpool indicator recompute worker', config: context.config, database: context.database });
const worker = new RecomputeWorker({ database: context.database, config, log: app.log, pollMs: config.workerPollMs });
app.addHook('onListen', async () => {
  await worker.start();
  app.log.info({ listening: worker.listening }, 'indicator recompute worker started');
});
app.addHook('preClose', async () => {
  await worker.stop();
});
await serveUntilSignal(app, context);
