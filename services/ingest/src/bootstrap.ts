// First start: the bundled real open data, loaded through the same batch pipeline as a push, one progress line per dataset.
import type { ProcessContext } from '@datenpool/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import { BundleLoader } from './bundle/common.ts';
import { loadCrime } from './bundle/crime.ts';
import { carryAcrossReform, loadCrosswalk } from './bundle/crosswalk.ts';
import { loadEwr } from './bundle/ewr.ts';
import { loadFacilities } from './bundle/facilities.ts';
import { loadMss } from './bundle/mss.ts';
import { evaluatePending } from './pipeline/disclosure.ts';
import { failOrphanedBatches } from './queries/batches.ts';
import { hasObservations } from './queries/observations.ts';

/**
 * the bundled datasets in load order: the crosswalk weights, residents (the bases of every rate), the other statistics,
 * then what one LOR version has and the other lacks carried across the reform
 */
const datasets: Array<[string, (loader: BundleLoader) => Promise<void>]> = [
  ['crosswalk', loadCrosswalk],
  ['ewr', loadEwr],
  ['mss', loadMss],
  ['crime', loadCrime],
  ['facilities', loadFacilities],
  ['carried', carryAcrossReform],
];

export async function bootstrapIngest(context: ProcessContext, log: FastifyBaseLogger): Promise<void> {
  const { db } = context.database;
  const orphaned = await failOrphanedBatches(db);
  if (orphaned > 0) log.warn({ batches: orphaned }, 'ingest: batches left running by an ended process were marked failed');
  // groups written outside a landing (before migration 0057, or a variable's threshold changed) stay withheld until evaluated
  const disclosure = await evaluatePending(db);
  if (disclosure.groups > 0) log.info(disclosure, 'ingest: pending disclosure groups evaluated');
  const { loading } = context;
  if (await hasObservations(db)) {
    loading?.finish();
    return;
  }
  const started = Date.now();
  const loader = new BundleLoader(db, log);
  loading?.plan(datasets.map(([name]) => name));
  for (const [name, load] of datasets) {
    const began = Date.now();
    loading?.begin(name);
    try {
      await load(loader);
    } catch (err) {
      loading?.fail(name);
      throw err;
    }
    const r = loader.report(name);
    loading?.done(name, r.rows);
    log.info({ dataset: name, batches: r.batches, rows: r.rows, rejected: r.rejected, ms: Date.now() - began }, `bundle: ${name} loaded`);
  }
  loading?.finish();
  log.info({ ms: Date.now() - started }, 'ingest bootstrap: bundled open data loaded');
}
