// GET /v1/indicators/status: what the recompute queue holds, what recomputes run now, and the last one that completed.
import { type App, problemResponses } from '@datenpool/service-kit';
import { answerFreshness } from '../freshness.ts';
import { lastRecompute, pendingSummary, runningRecomputes } from '../queries/queue.ts';
import { statusResponse } from '../schemas.ts';

export async function statusRoutes(app: App): Promise<void> {
  app.get(
    '/v1/indicators/status',
    {
      schema: {
        summary: 'Freshness of the indicator values: queued changes, running recomputes, the last completed recompute',
        description:
          'Indicator values are recomputed off the read path by a worker that consumes a queue of what changed (landed ' +
          'batches, catalog edits). Reads never wait: they answer the last consistent materialisation, and every indicator ' +
          'answer names it (`computedAt`, header `Datenpool-Computed-At`) and how many changes are queued behind it ' +
          '(header `Datenpool-Pending`). `pending` is 0 and `running` empty once every change is reflected.',
        tags: ['indicators'],
        response: { 200: statusResponse, ...problemResponses(400) },
      },
    },
    async (_request, reply) => {
      const db = app.database.db;
      const [summary, running, last] = await Promise.all([pendingSummary(db), runningRecomputes(db), lastRecompute(db)]);
      await answerFreshness(reply, db);
      return {
        pending: summary.entries,
        oldestPendingAt: summary.oldestEnqueuedAt?.toISOString() ?? null,
        queue: { full: summary.full, indicators: summary.indicators, observations: summary.observations },
        running: running.map((r) => ({ ...r, since: r.since?.toISOString() ?? null })),
        lastRecompute: last
          ? {
              mode: last.mode,
              entries: last.entries,
              indicators: last.indicators,
              valuesWritten: last.values_written,
              valuesRemoved: last.values_removed,
              seconds: last.seconds,
              finishedAt: new Date(last.finished_at).toISOString(),
            }
          : null,
      };
    },
  );
}
