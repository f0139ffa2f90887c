// Bundled Monitoring Soziale Stadtentwicklung: the MSS 2021 context indicators and the residents they refer to.
import type { BundleLoader } from './common.ts';
import { longRows, NO_VALUE, readTable } from './common.ts';

export async function loadMss(loader: BundleLoader): Promise<void> {
  const mss = readTable('stats/mss-2021-kontextindikatoren-plr.csv');
  await loader.load('mss', 'einwohner', '2021', longRows(mss.records, 'PLR-ID', '2020-12-31', { 'EW 31.12.2020': {} }), mss.checksum);
  const indicators = Object.keys(mss.records[0] ?? {}).filter((c) => /^K\d\d$/.test(c));
  for (const column of indicators) {
    const rows = mss.records
      .filter((r) => !NO_VALUE.test(r[column]?.trim() ?? ''))
      .map((r, i) => ({ row: i + 1, unit: r['PLR-ID'], date: '2020-12-31', value: r[column], breakdown: {} }));
    await loader.load('mss', `mss2021_${column.toLowerCase()}`, '2021', rows, mss.checksum);
  }
}
