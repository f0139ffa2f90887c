// Property-based: over random small lattices (a random LOR tree, one or two breakdown dimensions, small counts, a second
// LOR version linked 1:1), the disclosure rule leaves no published relation with a single withheld cell, withholds
// every count below the threshold, and answers the same whatever the order of the delivered cells.
import { disclosureOfGroup, type ObservationCell, PRIMARY, PUBLISHED, SECONDARY } from '@datenpool/disclosure';
import fc from 'fast-check';
import t from 'tap';

interface Lattice {
  units: string[];
  dims: Array<[string, string[]]>;
  values: number[];
  threshold: number;
  linked: boolean;
}

/** a random tree of ids (Bezirk 2, Prognoseraum 4, Bezirksregion 6, Planungsraum 8 digits) and its Planungsräume */
const tree = fc
  .array(fc.array(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 })
  .map((bezirke) =>
    bezirke.flatMap((pgrs, b) =>
      pgrs.flatMap((bzrs, p) =>
        bzrs.flatMap((plrCount, r) =>
          Array.from({ length: plrCount }, (_, k) => `${String(b + 1).padStart(2, '0')}${String(p + 1).padStart(2, '0')}${String(r + 1).padStart(2, '0')}${String(k + 1).padStart(2, '0')}`),
        ),
      ),
    ),
  );

const dimChoices: Array<[string, string[]]> = [['age', ['a', 'b', 'c']], ['sex', ['m', 'w']]];

const lattice: fc.Arbitrary<Lattice> = fc
  .record({
    units: tree,
    dims: fc.subarray(dimChoices),
    threshold: fc.integer({ min: 2, max: 6 }),
    linked: fc.boolean(),
    seed: fc.array(fc.integer({ min: 0, max: 14 }), { minLength: 200, maxLength: 200 }),
  })
  .map(({ units, dims, threshold, linked, seed }) => ({ units, dims, threshold, linked, values: seed }));

/** every combination of one code per dimension, as canonical breakdowns (dims are sorted by name) */
function combinations(dims: Array<[string, string[]]>): string[] {
  return dims.reduce<string[]>((acc, [dim, codes]) => acc.flatMap((b) => codes.map((c) => (b ? `${b};${dim}=${c}` : `${dim}=${c}`))), ['']);
}

/** every breakdown: for each subset of dimensions, each combination of its codes */
function allBreakdowns(dims: Array<[string, string[]]>): string[] {
  const out: string[] = [];
  for (let mask = 0; mask < 1 << dims.length; mask++) out.push(...combinations(dims.filter((_, i) => mask & (1 << i))));
  return out;
}

/** the delivered cells: combinations drawn from the seed, every other breakdown their sum */
function delivered(l: Lattice): ObservationCell[] {
  const fine = combinations(l.dims);
  const out: ObservationCell[] = [];
  let k = 0;
  for (const unit of l.units) {
    const combo = new Map(fine.map((b) => [b, l.values[k++ % l.values.length]!]));
    for (const b of allBreakdowns(l.dims)) {
      const pairs = b ? b.split(';') : [];
      const value = [...combo].filter(([c]) => pairs.every((p) => c.split(';').includes(p))).reduce((n, [, v]) => n + v, 0);
      for (const version of l.linked ? ['2006', '2021'] : ['2021']) out.push({ version, unit, breakdown: b, value });
    }
  }
  return out;
}

/** the cells the pool publishes, summed here by id prefix, independently of the package */
function published(cells: ObservationCell[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of cells) {
    for (const len of [1, 2, 4, 6, 8]) {
      const unit = len === 1 ? '0' : c.unit.slice(0, len);
      const key = `${c.version}|${unit}|${c.breakdown}`;
      out.set(key, (out.get(key) ?? 0) + c.value);
    }
  }
  return out;
}

/** every linear relation among the published cells: hierarchy, one more dimension, the same unit in both versions */
function relations(cells: Map<string, number>, l: Lattice): string[][] {
  const keys = [...cells.keys()];
  const out: string[][] = [];
  const parentOf = (u: string) => (u.length === 2 ? '0' : u.slice(0, u.length - 2));
  const byParent = new Map<string, string[]>();
  for (const k of keys) {
    const [v, u, b] = k.split('|') as [string, string, string];
    if (u === '0') continue;
    const p = `${v}|${parentOf(u)}|${b}`;
    byParent.set(p, [...(byParent.get(p) ?? []), k]);
  }
  for (const [p, children] of byParent) out.push([p, ...children]);
  for (const k of keys) {
    const [v, u, b] = k.split('|') as [string, string, string];
    const pairs = b ? b.split(';') : [];
    for (const [dim, codes] of l.dims) {
      if (pairs.some((p) => p.startsWith(`${dim}=`))) continue;
      const parts = codes.map((c) => `${v}|${u}|${[...pairs, `${dim}=${c}`].sort().join(';')}`);
      if (parts.every((x) => cells.has(x))) out.push([k, ...parts]);
    }
    if (l.linked && v === '2006') out.push([k, `2021|${u}|${b}`]);
  }
  return out;
}

t.test('random lattices: no relation has a single withheld cell, every small count is withheld, order does not matter', async (t) => {
  let cases = 0;
  let withheld = 0;
  let secondary = 0;
  fc.assert(
    fc.property(lattice, fc.integer(), (l, shuffleSeed) => {
      const cells = delivered(l);
      const rules = { threshold: l.threshold, counts: true, summed: true, links: l.linked ? [...published(cells).keys()].filter((k) => k.startsWith('2006|') && k.endsWith('|')).map((k) => ({ fromVersion: '2006', fromId: k.split('|')[1]!, toVersion: '2021', toId: k.split('|')[1]! })) : [] };
      const result = disclosureOfGroup(cells, rules);
      const truth = published(cells);
      const keyOf = (i: number) => `${result.cells[i]!.version}|${result.cells[i]!.unit}|${result.cells[i]!.breakdown}`;
      const state = new Map(result.cells.map((_, i) => [keyOf(i), result.state[i]!]));
      if ([...state.keys()].sort().join() !== [...truth.keys()].sort().join()) return false;
      for (const r of relations(truth, l)) if (r.filter((k) => state.get(k) !== PUBLISHED).length === 1) return false;
      for (const [k, v] of truth) if (v > 0 && v < l.threshold && state.get(k) !== PRIMARY) return false;
      for (const [k, s] of state) if (s === PRIMARY && !(truth.get(k)! > 0 && truth.get(k)! < l.threshold)) return false;
      // the same delivery in another order
      const rnd = fc.sample(fc.shuffledSubarray(cells, { minLength: cells.length, maxLength: cells.length }), { seed: shuffleSeed, numRuns: 1 })[0]!;
      const again = disclosureOfGroup(rnd, rules);
      if (again.cells.map((c, i) => `${c.version}|${c.unit}|${c.breakdown}=${again.state[i]}`).join() !== result.cells.map((_, i) => `${keyOf(i)}=${result.state[i]}`).join()) return false;
      cases++;
      withheld += [...state.values()].filter((s) => s !== PUBLISHED).length;
      secondary += [...state.values()].filter((s) => s === SECONDARY).length;
      return true;
    }),
    { numRuns: 300, seed: 20261201 },
  );
  t.ok(secondary > 0, `${cases} lattices, ${withheld} withheld cells, ${secondary} of them complementary`);
  t.comment(`cases tried: ${cases}`);
});
