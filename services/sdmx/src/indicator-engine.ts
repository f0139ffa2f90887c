// The indicators service's recompute entry points (freshness before a read, computation as of a time), where its package exports them.
import type { Database, Kysely } from '@datenpool/db';
import * as indicatorsPackage from '@datenpool/indicators';

interface Engine {
  indicatorConfigFromEnv(): unknown;
  ensureFresh(db: Kysely<Database>, config: unknown): Promise<unknown>;
  computeAsOf(trx: Kysely<Database>, indicatorId: string, versions: string[] | null, asOf: Date, config: unknown): Promise<void>;
}

// the package's index exports only the service descriptor so far; these are looked up, not assumed
const engine = indicatorsPackage as unknown as Partial<Engine>;

/** brings the materialised values up to the newest landed batch, as the native indicator routes do before they read */
export async function ensureIndicatorsFresh(db: Kysely<Database>): Promise<void> {
  if (engine.ensureFresh && engine.indicatorConfigFromEnv) await engine.ensureFresh(db, engine.indicatorConfigFromEnv());
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
