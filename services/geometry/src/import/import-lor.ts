// Imports one LOR file for a version and level in one transaction: rejected whole on any problem.
import type { Database, Kysely } from '@datenpool/db';
import { type LorLevel, lorLevels } from '@datenpool/contracts';
import {
  missingParents,
  nonPolygonal,
  outsideAncestor,
  repairInvalid,
  stageUnits,
  upsertStaged,
  versionExists,
} from '../queries/lor-import.ts';
import { type ImportProblem, type LorFile, readLorFile } from './read-lor-file.ts';

export interface ImportReport {
  version: string;
  level: LorLevel;
  imported: number;
  /** geometries that were invalid and repaired with ST_MakeValid */
  repaired: Array<{ id: string; reason: string }>;
}

/** a file that was rejected; nothing of it was written */
export class LorImportRejected extends Error {
  constructor(
    readonly source: string,
    readonly problems: ImportProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => `  ${p.feature}: [${p.code}] ${p.message}`);
    const more = problems.length > 20 ? [`  … and ${problems.length - 20} more`] : [];
    super([`${source} rejected, nothing imported (${problems.length} problems):`, ...shown, ...more].join('\n'));
    this.name = 'LorImportRejected';
  }
}

/** stages, checks and writes the units of a parsed file inside the given transaction */
export async function importUnits(
  trx: Kysely<Database>,
  file: LorFile,
  target: { version: string; level: LorLevel; source: string },
): Promise<ImportReport> {
  const { version, level, source } = target;
  if (file.problems.length > 0) throw new LorImportRejected(source, file.problems);
  if (!(await versionExists(trx, version))) {
    throw new LorImportRejected(source, [{ feature: '(file)', code: 'version', message: `unknown LOR version ${version}` }]);
  }
  await stageUnits(trx, file.features, file.srid);
  const shape = await nonPolygonal(trx);
  if (shape.length > 0) throw new LorImportRejected(source, shape);
  const repaired = await repairInvalid(trx);
  const parentLevel = lorLevels[lorLevels.indexOf(level) - 1];
  const problems = [
    ...(parentLevel ? await missingParents(trx, version, parentLevel) : []),
    ...(level === 'berlin' ? [] : await outsideAncestor(trx, version)),
  ];
  if (problems.length > 0) throw new LorImportRejected(source, problems);
  const imported = await upsertStaged(trx, version, level);
  return { version, level, imported, repaired };
}

/** reads and imports one file in its own transaction */
export async function importLorFile(
  db: Kysely<Database>,
  path: string,
  version: string,
  level: LorLevel,
): Promise<ImportReport> {
  const file = await readLorFile(path, level);
  return db.transaction().execute((trx) => importUnits(trx, file, { version, level, source: path }));
}
