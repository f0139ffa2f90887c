// Bundled facilities: Kitas, schools and youth centres, each one delivery of the facilities pipeline (points kept, counted on every LOR version).
import type { BundleLoader } from './common.ts';
import { bundleOptions, readBundled } from './common.ts';
import { systemActor } from '../pipeline/batch.ts';
import { facilityDatasets } from '../pipeline/facility-datasets.ts';
import { ingestFacilityDelivery, readFacilityFeatures } from '../pipeline/facility-delivery.ts';

/** the bundled file and the reference date of its counts (data/facilities/SOURCES.md: the snapshot's year-end) */
export const bundledFacilities: Record<string, { file: string; date: string }> = {
  kitas: { file: 'facilities/kitas-2022-12.geojson.gz', date: '2022-12-31' },
  schulen: { file: 'facilities/schulen.geojson', date: '2023-12-31' },
  jugendfreizeiteinrichtungen: { file: 'facilities/jugendfreizeiteinrichtungen.geojson', date: '2022-12-31' },
};

/** the agency of the bundled deliveries: the publisher, as a push by its key would record it */
const senbjf = { ...systemActor, agencyId: 'senbjf' };

export async function loadFacilities(loader: BundleLoader): Promise<void> {
  const report = loader.report('facilities');
  for (const spec of facilityDatasets) {
    const bundled = bundledFacilities[spec.id]!;
    const variables = [spec.count, ...(spec.capacity ? [spec.capacity] : [])];
    // a variable missing from the catalog skips the dataset (logged by target)
    if (!(await Promise.all(variables.map((v) => loader.target(v, '2021')))).every(Boolean)) continue;
    const { bytes, checksum } = readBundled(bundled.file);
    const read = readFacilityFeatures(bytes.toString('utf8'), spec);
    const result = await ingestFacilityDelivery(loader.db, spec, read, bundled.date, bundleOptions('application/geo+json'), senbjf, () => checksum);
    report.batches += (result.body.batches as unknown[]).length;
    report.rows += result.stored;
    report.rejected += result.rejected.length;
    if (result.rejected.length > 0) {
      loader.log.warn({ dataset: spec.id, rejected: result.rejected.length, first: result.rejected.slice(0, 3) }, 'bundle: facilities rejected');
    }
  }
}
