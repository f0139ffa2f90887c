// The indicators service as a plugin the gateway mounts: its descriptor, routes, the recompute worker and its catch-up.
import { type App, type ServiceDescriptor, settingsOf } from '@datenpool/service-kit';
import { indicatorSettings } from './config.ts';
import { indicatorLayers } from './layers.ts';
import { profileRoutes } from './routes/profile.ts';
import { seriesRoutes } from './routes/series.ts';
import { statusRoutes } from './routes/status.ts';
import { valueRoutes } from './routes/values.ts';
import { drainRecomputeQueue, RecomputeWorker } from './worker.ts';

/**
 * the descriptor; `workerDefault` says whether this process runs the recompute worker when INDICATOR_WORKER is unset
 * (the gateway: on; the indicators service alone: off, a worker process or the gateway does it)
 */
export function indicatorsDescriptor(workerDefault: 'on' | 'off'): ServiceDescriptor {
  return {
    name: 'indicators',
    title: 'Indicators',
    async routes(app: App) {
      const config = settingsOf(app.config, indicatorSettings);
      await valueRoutes(app, config);
      await seriesRoutes(app, config);
      await profileRoutes(app, config);
      await statusRoutes(app);
      if ((config.worker ?? workerDefault) === 'on') {
        // a listening server recomputes what is queued, off the read path; an app driven by inject (tests) does not
        const worker = new RecomputeWorker({ database: app.database, config, log: app.log, pollMs: config.workerPollMs });
        app.addHook('onListen', async () => {
          await worker.start();
        });
        app.addHook('preClose', async () => {
          await worker.stop();
        });
      }
    },
    collections: () => [indicatorLayers()],
    tags: [{ name: 'indicators', description: 'Indicator values, series, unit profiles (computed from observations)' }],
    // after listening: readiness never waits for a recompute; the worker catches up meanwhile
    bootstrapAfterListen: true,
    settings: [indicatorSettings],
    /** catches up on what is queued (on a first start the whole computation; the worker does it beside, once) */
    async bootstrap(context, log) {
      const config = settingsOf(context.config, indicatorSettings);
      if ((config.worker ?? workerDefault) !== 'on') return;
      const reports = await drainRecomputeQueue(context.database, config);
      for (const r of reports) {
        log.info({ mode: r.mode, entries: r.consumed.length, indicators: r.indicators.length, values: r.valuesWritten, seconds: r.seconds }, 'indicator values computed');
      }
    },
  };
}

export const indicatorsService: ServiceDescriptor = indicatorsDescriptor('on');
