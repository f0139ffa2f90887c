// Bundled facilities: Kitas (count and places per unit), through the facilities push.
import type { BundleLoader } from './common.ts';
import { bundleOptions, readBundled } from './common.ts';
import { ingestFacilities, readFacilities } from '../pipeline/facilities.ts';
import { systemActor } from '../pipeline/batch.ts';

export async function loadFacilities(loader: BundleLoader): Promise<void> {
  const report = loader.report('facilities');
  const kitas = await loader.target('kitas', '2021');
  const places = await loader.target('kita_plaetze', '2021');
  if (!kitas || !places) return;
  const { bytes, checksum } = readBundled('facilities/kitas-2022-12.geojson');
  const result = await ingestFacilities(
    loader.db,
    kitas,
    readFacilities(bytes.toString('utf8'), 'e_platz'),
    { date: '2022-12-31', capacity: { target: places, property: 'e_platz' } },
    bundleOptions('application/geo+json'),
    systemActor,
    () => checksum,
  );
  report.batches += 2;
  report.rejected += result.totalErrors;
  if (result.totalErrors > 0) loader.log.warn({ errors: result.totalErrors }, 'bundle: Kitas not assigned to a unit');
}
