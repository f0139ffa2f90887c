// Loads the LOR set bundled in data/lor/ into an empty database, all of it in one transaction, checking each file
// (unit count, the corrected names of the 2021 unit list, area totals of the levels) before anything is kept.
import { fileURLToPath } from 'node:url';
import type { LorLevel } from '@datenpool/contracts';
import type { Database, Kysely } from '@datenpool/db';
import type { FastifyBaseLogger } from 'fastify';
import { levelTotals, unitCount } from '../queries/lor-import.ts';
import { checkAreaTotals, checkCount, checkStatedArea, correctNames } from './bundle-checks.ts';
import { importUnits, LorImportRejected } from './import-lor.ts';
import { type LorFile, readLorFile } from './read-lor-file.ts';

export const bundledLorFolder = fileURLToPath(new URL('../../../../data/lor/', import.meta.url));

export interface BundledLorFile {
  file: string;
  version: string;
  level: LorLevel;
  /** the number of units the file holds (data/lor/SOURCES.md) */
  units: number;
  /** a later unit list whose names replace those of the file (the file's ids must be exactly its ids) */
  names?: string;
}

/** the 2021 unit list with the names corrected after 01.01.2021 (SOURCES.md, known defect 3) */
export const LOR_2021_UNITS = 'lor-2021-units.csv';

/** coarse to fine, so that every parent is there before its children */
export const bundledLorFiles: BundledLorFile[] = [
  ...(['2006', '2021'] as const).flatMap((version) => [
    { file: 'lor-berlin.geojson', version, level: 'berlin' as const, units: 1 },
    { file: 'lor-bezirk.geojson', version, level: 'bezirk' as const, units: 12 },
  ]),
  { file: 'lor-2006-prognoseraum.geojson', version: '2006', level: 'prognoseraum', units: 60 },
  { file: 'lor-2006-bezirksregion.geojson', version: '2006', level: 'bezirksregion', units: 138 },
  { file: 'lor-2006-planungsraum.geojson', version: '2006', level: 'planungsraum', units: 448 },
  { file: 'lor-2021-prognoseraum.geojson', version: '2021', level: 'prognoseraum', units: 58 },
  {
    file: 'lor-2021-bezirksregion-epsg25833.geojson.gz',
    version: '2021',
    level: 'bezirksregion',
    units: 143,
    names: LOR_2021_UNITS,
  },
  {
    file: 'lor-2021-planungsraum-epsg25833.geojson.gz',
    version: '2021',
    level: 'planungsraum',
    units: 542,
    names: LOR_2021_UNITS,
  },
];

/** the levels of each version whose area totals must agree (every level with polygons of its own) */
const tiledLevels: Record<string, readonly LorLevel[]> = {
  '2021': ['bezirk', 'prognoseraum', 'bezirksregion', 'planungsraum'],
};

function statedArea(file: LorFile): number {
  return file.features.reduce((sum, f) => sum + (f.geometry !== null && f.area !== null ? f.area : 0), 0);
}

/** reads one bundled file, applies its name corrections and checks its count; throws naming the file */
async function readBundled(entry: BundledLorFile, log: FastifyBaseLogger): Promise<LorFile> {
  const parsed = await readLorFile(bundledLorFolder + entry.file, entry.level);
  let file = parsed;
  const problems = [...parsed.problems, ...checkCount(parsed, entry.level, entry.units)];
  const repairs = [...(parsed.repairs ?? [])];
  if (entry.names) {
    const reference = await readLorFile(bundledLorFolder + entry.names, entry.level);
    problems.push(...reference.problems.map((p) => ({ ...p, message: `${entry.names}: ${p.message}` })));
    repairs.push(...(reference.repairs ?? []).map((p) => ({ ...p, message: `${entry.names}: ${p.message}` })));
    const corrected = correctNames(parsed, reference, entry.names);
    problems.push(...corrected.problems);
    file = corrected.file;
    if (corrected.corrections.length > 0) {
      log.warn({ file: entry.file, from: entry.names, corrections: corrected.corrections }, 'LOR names corrected');
    }
  }
  if (repairs.length > 0) log.warn({ file: entry.file, repairs }, 'LOR names repaired');
  if (problems.length > 0) throw new LorImportRejected(entry.file, problems);
  return file;
}

export async function bootstrapLor(db: Kysely<Database>, log: FastifyBaseLogger): Promise<void> {
  if ((await unitCount(db)) > 0) return;
  const started = Date.now();
  const files = await Promise.all(bundledLorFiles.map(async (entry) => ({ ...entry, parsed: await readBundled(entry, log) })));
  await db.transaction().execute(async (trx) => {
    for (const entry of files) {
      const report = await importUnits(trx, entry.parsed, { ...entry, source: entry.file });
      if (report.repaired.length > 0) log.warn({ file: entry.file, repaired: report.repaired }, 'repaired geometries');
    }
    for (const [version, levels] of Object.entries(tiledLevels)) {
      const totals = await levelTotals(trx, version);
      const problems = checkAreaTotals(totals, levels);
      const named = files.filter((f) => f.version === version && levels.includes(f.level)).map((f) => f.file);
      if (problems.length > 0) throw new LorImportRejected(named.join(', '), problems);
      // the official files (EPSG:25833) state the ellipsoidal area; the lon/lat products computed theirs otherwise
      for (const entry of files.filter((f) => f.version === version && f.parsed.srid === 25833)) {
        const planar = totals.find((t) => t.level === entry.level)?.area_m2 ?? 0;
        const stated = checkStatedArea(statedArea(entry.parsed), planar);
        if (stated.length > 0) throw new LorImportRejected(entry.file, stated);
      }
      log.info(
        { version, areaKm2: Object.fromEntries(levels.map((l) => [l, (totals.find((t) => t.level === l)?.area_m2 ?? 0) / 1e6])) },
        'LOR levels tile the same area',
      );
    }
  });
  log.info({ ms: Date.now() - started }, 'bundled LOR units loaded');
}
