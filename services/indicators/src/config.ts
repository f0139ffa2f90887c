// Settings of the indicator calculator, read once from the environment (documented in the service README).
import { z } from 'zod';

const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

export const indicatorConfigSchema = z.object({
  /** lower bound of every indicator's minimum base (denominator); an indicator's own min_base wins where higher */
  INDICATORS_MIN_BASE: z.coerce.number().int().min(0).default(0),
  /** lower bound of every variable's disclosure threshold for counts on the numerator side */
  INDICATORS_DISCLOSURE_THRESHOLD: z.coerce.number().int().min(0).default(0),
  /** secondary suppression within each parent unit */
  INDICATORS_SECONDARY_SUPPRESSION: flag.default(true),
  /** n of the `change_ny` reference value (change against n years earlier) */
  INDICATORS_CHANGE_YEARS: z.coerce.number().int().min(1).max(50).default(5),
  /** the recompute worker in this process: on in the gateway, off in the indicators service alone, unless set */
  INDICATOR_WORKER: z.enum(['on', 'off']).optional(),
  /** PGlite: how often the worker looks at the queue (ms); PostgreSQL: how soon a busy drain is retried */
  INDICATOR_WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  /**
   * PGlite: the worker starts a recompute only once no entry was queued for this long (ms), or the oldest waited ten
   * times as long; the embedded database has one session, so a recompute started between two pushes holds the second
   */
  INDICATOR_WORKER_QUIET_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
});

export interface IndicatorConfig {
  minBase: number;
  disclosureThreshold: number;
  secondarySuppression: boolean;
  changeYears: number;
  /** INDICATOR_WORKER as set; undefined: the process decides (gateway on, indicators service alone off) */
  worker: 'on' | 'off' | undefined;
  workerPollMs: number;
  workerQuietMs: number;
}

export function indicatorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IndicatorConfig {
  const parsed = indicatorConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid indicator setting ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const c = parsed.data;
  return {
    minBase: c.INDICATORS_MIN_BASE,
    disclosureThreshold: c.INDICATORS_DISCLOSURE_THRESHOLD,
    secondarySuppression: c.INDICATORS_SECONDARY_SUPPRESSION,
    changeYears: c.INDICATORS_CHANGE_YEARS,
    worker: c.INDICATOR_WORKER,
    workerPollMs: c.INDICATOR_WORKER_POLL_MS,
    workerQuietMs: c.INDICATOR_WORKER_QUIET_MS,
  };
}
