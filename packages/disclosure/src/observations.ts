// Disclosure of one variable's observations on one reference date: the delivered cells, the sums the pool derives from
// them, and which of all these are withheld.
import { BERLIN_ID, idLengthByLevel } from '@datenpool/contracts';
import { cellKey, type LatticeCell, publishedRelations, type VersionLink } from './relations.ts';
import { withhold } from './withhold.ts';

/** a current, delivered observation of the group */
export interface ObservationCell extends LatticeCell {
  value: number;
  /** carried from the other LOR version through the crosswalk */
  carried?: boolean;
}

export interface GroupRules {
  /** the variable's disclosure threshold: a count 0 < v < threshold is withheld */
  threshold: number;
  /** the variable counts (value kind `count`): only counts are withheld on their own */
  counts: boolean;
  /** aggregation `sum`: coarser levels are published as sums and every linear relation applies */
  summed: boolean;
  links: readonly VersionLink[];
  /** per `version|unit` of a Planungsraum, the `version|unit`s of the other version the crosswalk carries into it */
  carriedFrom?: ReadonlyMap<string, readonly string[]>;
}

/** a count below the threshold that is not zero */
export function isPrimary(value: number, threshold: number): boolean {
  return value > 0 && value < threshold;
}

const ancestorLengths = Object.values(idLengthByLevel).sort((a, b) => a - b);

/**
 * the published cells of the group (delivered ones and, for summed variables, the coarser units summed from the finest
 * level delivered per version and breakdown, as the observation reads roll them up) in a stable order, and the state of
 * each (see `withhold`)
 */
export function disclosureOfGroup(delivered: readonly ObservationCell[], rules: GroupRules): { cells: LatticeCell[]; state: Uint8Array } {
  const values = new Map<string, { cell: LatticeCell; values: number[] }>();
  const put = (cell: LatticeCell, value: number) => {
    const key = cellKey(cell);
    const entry = values.get(key);
    if (entry) entry.values.push(value);
    else values.set(key, { cell, values: [value] });
  };
  for (const c of delivered) put({ version: c.version, unit: c.unit, breakdown: c.breakdown }, c.value);
  if (rules.summed) {
    const depth = new Map<string, number>();
    for (const c of delivered) {
      const k = `${c.version}|${c.breakdown}`;
      depth.set(k, Math.max(depth.get(k) ?? 0, c.unit.length));
    }
    const sums = new Map<string, { cell: LatticeCell; sum: number }>();
    for (const c of delivered) {
      const d = depth.get(`${c.version}|${c.breakdown}`)!;
      if (c.unit.length !== d) continue;
      for (const len of ancestorLengths) {
        if (len >= d) break;
        const unit = len === 1 ? BERLIN_ID : c.unit.slice(0, len);
        const cell = { version: c.version, unit, breakdown: c.breakdown };
        const key = cellKey(cell);
        const s = sums.get(key);
        if (s) s.sum += c.value;
        else sums.set(key, { cell, sum: c.value });
      }
    }
    for (const s of sums.values()) put(s.cell, s.sum);
  }
  const keys = [...values.keys()].sort();
  const entries = keys.map((k) => values.get(k)!);
  const cells = entries.map((e) => e.cell);
  if (!rules.counts || rules.threshold <= 0) return { cells, state: new Uint8Array(cells.length) };
  const primary = entries.map((e) => e.values.some((v) => isPrimary(v, rules.threshold)));
  const rank = entries.map((e) => Math.min(...e.values));
  const carried = { cells: new Set(delivered.filter((c) => c.carried).map(cellKey)), sources: rules.carriedFrom ?? new Map() };
  const relations = rules.summed ? publishedRelations(cells, { hierarchy: true, breakdowns: true, links: rules.links, carried }) : [];
  return { cells, state: withhold(primary, rank, relations) };
}
