// Settings of the indicator calculator, read at start with the process configuration (documented in the README).
import { defineSettings, duration, flag, integer, oneOf, readGroup } from '@datenpool/service-kit';

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

export const indicatorSettings = defineSettings({
  name: 'indicators',
  variables: {
    INDICATORS_MIN_BASE: integer({
      min: 0,
      default: 0,
      description: "lower bound of every indicator's minimum base (denominator); an indicator's own min_base wins where higher",
    }),
    INDICATORS_DISCLOSURE_THRESHOLD: integer({ min: 0, default: 0, description: "lower bound of every variable's disclosure threshold for counts on the numerator side" }),
    INDICATORS_SECONDARY_SUPPRESSION: flag({ default: true, description: 'secondary suppression within each parent unit' }),
    INDICATORS_CHANGE_YEARS: integer({ min: 1, max: 50, default: 5, description: 'n of the `change_ny` reference value (change against n years earlier)' }),
    INDICATOR_WORKER: oneOf(['on', 'off'], {
      description: 'the recompute worker in this process; unset: on in the gateway, off in the indicators service alone (a worker process or the gateway does it)',
    }),
    INDICATOR_WORKER_POLL_MS: duration({
      min: 10,
      max: 60_000,
      default: 200,
      description: 'PGlite: how often the worker looks at the queue; PostgreSQL: how soon a busy drain is retried',
    }),
    INDICATOR_WORKER_QUIET_MS: duration({
      min: 0,
      max: 60_000,
      default: 1_000,
      description:
        'PGlite: a recompute starts once nothing was queued for this long (or the oldest entry waited ten times as long), so a burst of pushes is not held behind a recompute after each; PostgreSQL recomputes at once',
    }),
  },
  assemble: (v): IndicatorConfig => ({
    minBase: v.INDICATORS_MIN_BASE,
    disclosureThreshold: v.INDICATORS_DISCLOSURE_THRESHOLD,
    secondarySuppression: v.INDICATORS_SECONDARY_SUPPRESSION,
    changeYears: v.INDICATORS_CHANGE_YEARS,
    worker: v.INDICATOR_WORKER,
    workerPollMs: v.INDICATOR_WORKER_POLL_MS,
    workerQuietMs: v.INDICATOR_WORKER_QUIET_MS,
  }),
});

/** the indicator settings from `env` alone (tests, tools; a process reads them at start: settingsOf(config, indicatorSettings)) */
export function indicatorConfigFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): IndicatorConfig {
  return readGroup(indicatorSettings, env);
}
