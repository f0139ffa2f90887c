// Event-loop delay of a process (perf_hooks.monitorEventLoopDelay): how long a timer waited beyond its time, which is
// what any request waits behind synchronous work (or behind a process the machine did not schedule).
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelay {
  /** milliseconds */
  p50: number;
  p99: number;
  max: number;
}

/** a monitor of this process's event loop, sampled every `resolutionMs`; `take` reads what it saw since the last take */
export function loopDelayMonitor(resolutionMs = 5): { take(): LoopDelay; stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
  return {
    take() {
      const seen = { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
      histogram.reset();
      return seen;
    },
    stop: () => histogram.disable(),
  };
}
