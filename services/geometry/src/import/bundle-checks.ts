// Checks and repairs of the bundled LOR files on first start: unit counts, the id set and the corrected names of a
// reference list, and the agreement of the levels' area totals. A failure stops the start naming the file.
import type { LorLevel } from '@datenpool/contracts';
import type { ImportProblem, LorFile } from './read-lor-file.ts';

export interface NameCorrection {
  id: string;
  /** the name in the geometry file */
  from: string;
  /** the corrected name of the reference list */
  to: string;
}

/**
 * Takes each unit's name from the reference (the later, corrected unit list); the ids of both must be the same set,
 * else the file is not the one the reference describes. Returns the file with the corrected names and what changed.
 */
export function correctNames(
  file: LorFile,
  reference: LorFile,
  referenceName: string,
): { file: LorFile; corrections: NameCorrection[]; problems: ImportProblem[] } {
  const names = new Map(reference.features.map((f) => [f.id, f.name]));
  const ids = new Set(file.features.map((f) => f.id));
  const problems: ImportProblem[] = [
    ...file.features
      .filter((f) => !names.has(f.id))
      .map((f) => ({ feature: f.id, code: 'reference', message: `${f.id} is not in ${referenceName}` })),
    ...reference.features
      .filter((f) => !ids.has(f.id))
      .map((f) => ({ feature: f.id, code: 'reference', message: `${f.id} of ${referenceName} has no feature in this file` })),
  ];
  const corrections: NameCorrection[] = [];
  const features = file.features.map((f) => {
    const to = names.get(f.id);
    if (to === undefined || to === '' || to === f.name) return f;
    corrections.push({ id: f.id, from: f.name, to });
    return { ...f, name: to };
  });
  return { file: { ...file, features }, corrections, problems };
}

export function checkCount(file: LorFile, level: LorLevel, expected: number): ImportProblem[] {
  const n = file.features.length;
  return n === expected ? [] : [{ feature: '(file)', code: 'count', message: `${n} ${level} units, expected ${expected}` }];
}

/**
 * The stated (official, ellipsoidal) areas of a file against the planar areas of its geometries, in total: they differ
 * by the UTM scale factor (about 0.05 %), not more. Units without a stated area or geometry are left out.
 */
export function checkStatedArea(stated: number, planar: number, tolerance = 0.002): ImportProblem[] {
  if (stated === 0 || planar === 0) return [];
  const deviation = Math.abs(planar - stated) / stated;
  return deviation <= tolerance
    ? []
    : [
        {
          feature: '(file)',
          code: 'area',
          message: `the geometries cover ${(planar / 1e6).toFixed(3)} km², the stated areas ${(stated / 1e6).toFixed(3)} km² (${(deviation * 100).toFixed(2)} % apart)`,
        },
      ];
}

/** share by which the levels' planar area totals of one version may differ (slivers between sources) */
export const AREA_TOTAL_TOLERANCE = 1e-4;

/**
 * Every level with geometry of a version tiles the same city: their planar area totals agree. Returns a problem per
 * level whose total is further than the tolerance from the finest level's.
 */
export function checkAreaTotals(
  totals: Array<{ level: string; area_m2: number | null }>,
  levels: readonly string[],
  tolerance = AREA_TOTAL_TOLERANCE,
): ImportProblem[] {
  const areas = levels.map((level) => ({ level, area: totals.find((t) => t.level === level)?.area_m2 ?? null }));
  const base = areas.at(-1);
  if (!base || base.area === null) return [{ feature: '(file)', code: 'area', message: `${base?.level ?? 'level'} has no geometry` }];
  return areas
    .filter((a) => a.area === null || Math.abs(a.area - (base.area as number)) > tolerance * (base.area as number))
    .map((a) => ({
      feature: '(file)',
      code: 'area',
      message:
        a.area === null
          ? `${a.level} has no geometry`
          : `${a.level} covers ${(a.area / 1e6).toFixed(3)} km², ${base.level} ${((base.area as number) / 1e6).toFixed(3)} km²`,
    }));
}
