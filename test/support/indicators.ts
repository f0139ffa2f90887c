// Indicator values after a change: the recompute worker's drain, run in-process, or awaited over HTTP.
import type { DatabaseHandle } from '@datenpool/db';
import { drainRecomputeQueue, indicatorConfigFromEnv, type QueueReport } from '@datenpool/indicators';

/**
 * recomputes what the recompute queue holds until it is empty (or waits while a worker does), as the worker does after
 * a batch landed or the catalog changed; a test that changed something and reads indicator values calls this between
 */
export async function indicatorsCaughtUp(database: DatabaseHandle): Promise<QueueReport[]> {
  return drainRecomputeQueue(database, indicatorConfigFromEnv());
}

/** for a server in another process: polls GET /v1/indicators/status until nothing is pending or running */
export async function indicatorsCaughtUpAt(baseUrl: string, timeoutMs = 120_000): Promise<{ pending: number; running: unknown[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${baseUrl}/v1/indicators/status`);
    const status = (await res.json()) as { pending: number; running: unknown[] };
    if (res.ok && status.pending === 0 && status.running.length === 0) return status;
    if (Date.now() > deadline) throw new Error(`indicator recomputes still pending after ${timeoutMs} ms: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
