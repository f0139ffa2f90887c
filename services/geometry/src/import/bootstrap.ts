// Loads the LOR set bundled in data/lor/ into an empty database, all of it in one transaction.
import { fileURLToPath } from 'node:url';
import type { LorLevel } from '@datenpool/contracts';
import type { Database, Kysely } from '@datenpool/db';
import type { FastifyBaseLogger } from 'fastify';
import { unitCount } from '../queries/lor-import.ts';
import { importUnits } from './import-lor.ts';
import { readLorFile } from './read-lor-file.ts';

export const bundledLorFolder = fileURLToPath(new URL('../../../../data/lor/', import.meta.url));

/** coarse to fine, so that every parent is there before its children */
export const bundledLorFiles: Array<{ file: string; version: string; level: LorLevel }> = [
  ...(['2006', '2021'] as const).flatMap((version) => [
    { file: 'lor-berlin.geojson', version, level: 'berlin' as const },
    { file: 'lor-bezirk.geojson', version, level: 'bezirk' as const },
  ]),
  { file: 'lor-2006-prognoseraum.geojson', version: '2006', level: 'prognoseraum' },
  { file: 'lor-2006-bezirksregion.geojson', version: '2006', level: 'bezirksregion' },
  { file: 'lor-2006-planungsraum.geojson', version: '2006', level: 'planungsraum' },
  { file: 'lor-2021-prognoseraum.geojson', version: '2021', level: 'prognoseraum' },
  { file: 'lor-2021-units.csv', version: '2021', level: 'bezirksregion' },
  { file: 'lor-2021-units.csv', version: '2021', level: 'planungsraum' },
];

export async function bootstrapLor(db: Kysely<Database>, log: FastifyBaseLogger): Promise<void> {
  if ((await unitCount(db)) > 0) return;
  const started = Date.now();
  const files = await Promise.all(
    bundledLorFiles.map(async (entry) => ({ ...entry, parsed: await readLorFile(bundledLorFolder + entry.file, entry.level) })),
  );
  await db.transaction().execute(async (trx) => {
    for (const entry of files) {
      const report = await importUnits(trx, entry.parsed, { ...entry, source: entry.file });
      if (report.repaired.length > 0) log.warn({ file: entry.file, repaired: report.repaired }, 'repaired geometries');
    }
  });
  log.info({ ms: Date.now() - started }, 'bundled LOR units loaded');
}
