// LOR vocabulary shared by every service: versions, levels, unit ids.
import { z } from 'zod';

export const lorVersions = ['2006', '2021'] as const;
export const lorVersionSchema = z.enum(lorVersions);
export type LorVersion = z.infer<typeof lorVersionSchema>;

/** coarse to fine */
export const lorLevels = ['berlin', 'bezirk', 'prognoseraum', 'bezirksregion', 'planungsraum'] as const;
export const lorLevelSchema = z.enum(lorLevels);
export type LorLevel = z.infer<typeof lorLevelSchema>;

/** the levels by their official German names, as pages for people show them */
export const lorLevelNamesDe: Record<LorLevel, string> = {
  berlin: 'Berlin',
  bezirk: 'Bezirk',
  prognoseraum: 'Prognoseraum',
  bezirksregion: 'Bezirksregion',
  planungsraum: 'Planungsraum',
};

/** id length per level in both versions: Bezirk 2, Prognoseraum 4, Bezirksregion 6, Planungsraum 8 */
export const idLengthByLevel: Record<LorLevel, number> = {
  berlin: 1,
  bezirk: 2,
  prognoseraum: 4,
  bezirksregion: 6,
  planungsraum: 8,
};

/** the id of Berlin as a whole */
export const BERLIN_ID = '0';

/** the level an id denotes, from its length; undefined for ids of no level */
export function levelOfId(id: string): LorLevel | undefined {
  if (id === BERLIN_ID) return 'berlin';
  if (!/^\d+$/.test(id)) return undefined;
  return lorLevels.find((level) => level !== 'berlin' && idLengthByLevel[level] === id.length);
}

/** the parent id from the hierarchical id scheme (prefix of the parent level's length) */
export function parentIdOf(id: string): string | undefined {
  const level = levelOfId(id);
  if (!level || level === 'berlin') return undefined;
  const index = lorLevels.indexOf(level);
  const parent = lorLevels[index - 1];
  if (!parent) return undefined;
  return parent === 'berlin' ? BERLIN_ID : id.slice(0, idLengthByLevel[parent]);
}

/** true where level a is finer than level b */
export function isFinerLevel(a: LorLevel, b: LorLevel): boolean {
  return lorLevels.indexOf(a) > lorLevels.indexOf(b);
}
