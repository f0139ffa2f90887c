// A task an app runs every so many milliseconds while it is up: the timer starts with the app (onReady, or onListen
// for what only a listening server does, so that an app driven by inject in tests leaves it alone), never keeps the
// process alive (unref), and stops on close. A tick that comes while the last run still runs is skipped; a run that
// throws is logged, and the next tick runs as usual.
import type { App } from './app.ts';

export interface PeriodicOptions {
  /** milliseconds between ticks */
  everyMs: number;
  /** when the timer starts: with the app (`ready`) or once it listens (`listen`) */
  startOn: 'ready' | 'listen';
  /** also run once when the timer starts, not only after the first interval */
  runAtStart?: boolean;
  /** the log message of a run that throws (logged as an error with `err`) */
  failed: string;
}

export function runPeriodically(app: App, options: PeriodicOptions, task: () => Promise<void>): void {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await task();
    } catch (err) {
      app.log.error({ err }, options.failed);
    } finally {
      running = false;
    }
  };
  app.addHook(options.startOn === 'ready' ? 'onReady' : 'onListen', async () => {
    timer = setInterval(() => void tick(), options.everyMs);
    timer.unref();
    if (options.runAtStart) void tick();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}
