// First start: the bundled real open data, loaded through the same batch pipeline as a push, one progress line per dataset.
import type { ProcessContext } from '@datenpool/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import { BundleLoader } from './bundle/common.ts';
import { loadEwr } from './bundle/ewr.ts';
import { loadFacilities } from './bundle/facilities.ts';
import { loadMss } from './bundle/mss.ts';
import { failOrphanedBatches } from './queries/batches.ts';
import { hasObservations } from './queries/observations.ts';

/** the bundled datasets in load order: residents first (the bases of every rate), facilities last */
const datasets: Array<[string, (loader: BundleLoader) => Promise<void>]> = [
  ['ewr', loadEwr],
  ['mss', loadMss],
  ['facilities', loadFacilities],
];

export async function bootstrapIngest(context: ProcessContext, log: FastifyBaseLogger): Promise<void> {
  const { db } = context.database;
  const orphaned = await failOrphanedBatches(db);
  if (orphaned > 0) log.warn({ batches: orphaned }, 'ingest: batches left running by an ended process were marked failed');
  if (await hasObservations(db)) return;
  const started = Date.now();
  const loader = new BundleLoader(db, log);
  for (const [name, load] of datasets) {
    const began = Date.now();
    await load(loader);
    const r = loader.report(name);
    log.info({ dataset: name, batches: r.batches, rows: r.rows, rejected: r.rejected, ms: Date.now() - began }, `bundle: ${name} loaded`);
  }
  log.info({ ms: Date.now() - started }, 'ingest bootstrap: bundled open data loaded');
}
