// The linear relations the pool publishes between cells of one variable (or indicator) and reference date.
//
// - hierarchy: a unit = Σ its child units (ids are hierarchical: the parent's id is a prefix, Berlin is '0');
// - breakdowns: a cell = Σ the cells that add one dimension to its breakdown (the total = Σ the codes of a
//   dimension, also within a cell of other dimensions), leaving out codes that are a subgroup and not a part
//   (`subgroupCodes`);
// - versions: a unit of one LOR version = the unit of the other that the crosswalk links 1:1 (Bezirke and Berlin
//   are the same territory in both versions), for the same breakdown;
// - carried values: a cell carried across the reform = Σ weight × the cells of the other version's units it overlaps,
//   for the same breakdown (the weights are published at /v1/lor/crosswalk).
import { BERLIN_ID, parentIdOf } from '@datenpool/contracts';

/** one published cell: a unit of a LOR version with a canonical breakdown (`dim=code` sorted by dim, joined by `;`) */
export interface LatticeCell {
  version: string;
  unit: string;
  breakdown: string;
}

/** the same territory in two LOR versions */
export interface VersionLink {
  fromVersion: string;
  fromId: string;
  toVersion: string;
  toId: string;
}

/**
 * codes of a dimension that count a subgroup across the other codes rather than a part of the total: residents with
 * a migration background are Germans and foreigners alike, so citizenship's total is deutsch + auslaendisch only
 */
export const subgroupCodes: Readonly<Record<string, readonly string[]>> = {
  citizenship: ['migrationshintergrund'],
};

export function cellKey(c: LatticeCell): string {
  return `${c.version}|${c.unit}|${c.breakdown}`;
}

export interface RelationOptions {
  /** parent = Σ children (summed variables); false for values that do not add up */
  hierarchy: boolean;
  /** total = Σ codes of a dimension */
  breakdowns: boolean;
  links: readonly VersionLink[];
  /** keys (cellKey) of the cells carried from the other version, and per `version|unit` the `version|unit`s it is carried from */
  carried?: { cells: ReadonlySet<string>; sources: ReadonlyMap<string, readonly string[]> };
}

/** every relation among `cells`, as lists of indices into `cells`; a relation needs its left-hand cell published */
export function publishedRelations(cells: readonly LatticeCell[], options: RelationOptions): number[][] {
  const index = new Map<string, number>();
  cells.forEach((c, i) => {
    index.set(cellKey(c), i);
  });
  const relations: number[][] = [];
  const groups = new Map<number, number[]>();
  const add = (total: number, member: number) => {
    const g = groups.get(total);
    if (g) g.push(member);
    else groups.set(total, [total, member]);
  };
  if (options.hierarchy) {
    cells.forEach((c, i) => {
      const parent = c.unit === BERLIN_ID ? undefined : parentIdOf(c.unit);
      if (parent === undefined) return;
      const p = index.get(`${c.version}|${parent}|${c.breakdown}`);
      if (p !== undefined) add(p, i);
    });
    for (const g of groups.values()) relations.push(g);
    groups.clear();
  }
  if (options.breakdowns) {
    // one group per total and dimension: keyed by the total's index and the dimension
    const byDim = new Map<string, number[]>();
    cells.forEach((c, i) => {
      if (c.breakdown === '') return;
      const parts = c.breakdown.split(';');
      parts.forEach((part, at) => {
        const eq = part.indexOf('=');
        const dim = part.slice(0, eq);
        if (subgroupCodes[dim]?.includes(part.slice(eq + 1))) return;
        const rest = parts.filter((_, j) => j !== at).join(';');
        const t = index.get(`${c.version}|${c.unit}|${rest}`);
        if (t === undefined) return;
        const key = `${t}|${dim}`;
        const g = byDim.get(key);
        if (g) g.push(i);
        else byDim.set(key, [t, i]);
      });
    });
    for (const g of byDim.values()) relations.push(g);
  }
  if (options.links.length > 0) {
    const linked = new Map<string, string[]>();
    for (const l of options.links) {
      const from = `${l.fromVersion}|${l.fromId}`;
      const list = linked.get(from);
      if (list) list.push(`${l.toVersion}|${l.toId}`);
      else linked.set(from, [`${l.toVersion}|${l.toId}`]);
    }
    cells.forEach((c, i) => {
      for (const to of linked.get(`${c.version}|${c.unit}`) ?? []) {
        const j = index.get(`${to}|${c.breakdown}`);
        if (j !== undefined) relations.push([i, j]);
      }
    });
  }
  if (options.carried && options.carried.cells.size > 0) {
    const { cells: carried, sources } = options.carried;
    cells.forEach((c, i) => {
      if (!carried.has(cellKey(c))) return;
      const from = (sources.get(`${c.version}|${c.unit}`) ?? []).map((s) => index.get(`${s}|${c.breakdown}`)).filter((j) => j !== undefined);
      if (from.length > 0) relations.push([i, ...from]);
    });
  }
  return relations;
}
