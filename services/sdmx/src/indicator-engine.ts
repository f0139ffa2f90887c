// The indicators service's entry points the SDMX indicator flows use: freshness of the materialisation, computation as of a time.
import type { Database, Kysely } from '@datenpool/db';
import * as indicatorsPackage from '@datenpool/indicators';

interface Engine {
  indicatorConfigFromEnv(): unknown;
  computeAsOf(trx: Kysely<Database>, indicatorId: string, versions: string[] | null, asOf: Date, config: unknown): Promise<void>;
}

const engine = indicatorsPackage as unknown as Partial<Engine>;

/**
 * the headers of an indicator flow's answer, as every indicator answer carries them: when the values were computed
 * (Datenpool-Computed-At) and how many changes are queued behind them (Datenpool-Pending). Reads never wait for a
 * recompute: the worker keeps the values fresh.
 */
export async function indicatorFreshnessHeaders(db: Kysely<Database>, computedNow: boolean): Promise<Record<string, string>> {
  return indicatorsPackage.freshnessHeaders(computedNow ? 'computed-now' : await indicatorsPackage.indicatorFreshness(db));
}

export function canComputeAsOf(): boolean {
  return typeof engine.computeAsOf === 'function' && typeof engine.indicatorConfigFromEnv === 'function';
}

/** computes the indicators into the transaction's temporary table `iv_asof` from the revisions valid at `at` */
export async function computeIndicatorsAsOf(trx: Kysely<Database>, indicators: string[], version: string, at: Date): Promise<void> {
  const { computeAsOf, indicatorConfigFromEnv } = engine as Engine;
  const config = indicatorConfigFromEnv();
  for (const id of indicators) await computeAsOf(trx, id, [version], at, config);
}
