// Bundled Einwohnerregisterstatistik: residents per Planungsraum.
import type { BundleLoader } from './common.ts';
import { longRows, readTable } from './common.ts';

const einwohnerColumns: Record<string, Record<string, string>> = {
  Gesamt: {},
  unter6: { age: 'unter6' },
  '6-15': { age: '6-15' },
  '15-18': { age: '15-18' },
  '18-27': { age: '18-27' },
  '27-45': { age: '27-45' },
  '45-55': { age: '45-55' },
  '55-65': { age: '55-65' },
  '65undmehr': { age: '65undmehr' },
  weiblich: { sex: 'weiblich' },
  ausländer: { citizenship: 'auslaendisch' },
};

export async function loadEwr(loader: BundleLoader): Promise<void> {
  const einwohner = readTable('stats/einwohner-plr-2022-06-30.csv');
  await loader.load('ewr', 'einwohner', '2021', longRows(einwohner.records, 'PLR-ID', '2022-06-30', einwohnerColumns), einwohner.checksum);
}
