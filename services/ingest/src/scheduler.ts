// The harvest schedule of referenced sources (ISO 8601 durations such as PT24H), run only when INGEST_SCHEDULER=on.
import { type App, runPeriodically } from '@datenpool/service-kit';
import type { IngestConfig } from './config.ts';
import { systemActor } from './pipeline/batch.ts';
import { harvestSource } from './pipeline/harvest.ts';
import { scheduledSources } from './queries/sources.ts';

const TICK_MS = 60_000;

/** milliseconds of an ISO 8601 duration (days, hours, minutes, seconds); undefined when it is none */
export function durationMs(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0));
  const ms = (((d! * 24 + h!) * 60 + min!) * 60 + s!) * 1000;
  return ms > 0 ? ms : undefined;
}

export function startScheduler(app: App, config: IngestConfig): void {
  if (config.scheduler !== 'on') return;
  const warned = new Set<string>();
  runPeriodically(app, { everyMs: TICK_MS, startOn: 'ready', runAtStart: true, failed: 'harvest scheduler tick failed' }, async () => {
    for (const source of await scheduledSources(app.database.db)) {
      const every = durationMs(source.schedule ?? '');
      if (!every) {
        if (!warned.has(source.id)) app.log.warn({ source: source.id, schedule: source.schedule }, 'harvest schedule is not an ISO 8601 duration (e.g. PT24H)');
        warned.add(source.id);
        continue;
      }
      const last = source.last_harvest_at ? new Date(source.last_harvest_at).getTime() : 0;
      if (Date.now() - last < every) continue;
      try {
        await harvestSource(app.database.db, config, source.id, systemActor, { mode: 'atomic', dryRun: false });
        app.log.info({ source: source.id }, 'scheduled harvest landed');
      } catch (err) {
        app.log.warn({ source: source.id, reason: (err as Error).message }, 'scheduled harvest failed');
      }
    }
  });
}
