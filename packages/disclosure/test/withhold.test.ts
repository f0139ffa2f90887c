// The disclosure rule on hand-made lattices: primary gaps, complements by smallest rank, iteration until no single unknown.
import t from 'tap';
import { disclosureOfGroup, PRIMARY, PUBLISHED, publishedRelations, SECONDARY, singleUnknowns, withhold } from '../src/index.ts';

t.test('a single gap among siblings takes the smallest sibling with it, and the gap this opens one level up is closed too', async (t) => {
  // Berlin 0 = Bezirk 01 + Bezirk 02; 01 = 0101 + 0102; 02 = 0201 + 0202
  const cells = ['0', '01', '02', '0101', '0102', '0201', '0202'].map((unit) => ({ version: '2021', unit, breakdown: '' }));
  const values = [100, 40, 60, 2, 38, 30, 30];
  const relations = publishedRelations(cells, { hierarchy: true, breakdowns: false, links: [] });
  t.same(relations.map((r) => r.map((i) => cells[i]!.unit)).sort(), [['0', '01', '02'], ['01', '0101', '0102'], ['02', '0201', '0202']]);
  const state = withhold(values.map((v) => v > 0 && v < 3), values, relations);
  // 0101 is primary; its sibling 0102 (the only other child) or the parent 01 must go: 0102 = 38 < 01 = 40, so 0102;
  // then {01, 0101, 0102} has 2 unknowns and nothing else has a single one
  t.same([...state], [PUBLISHED, PUBLISHED, PUBLISHED, PRIMARY, SECONDARY, PUBLISHED, PUBLISHED]);
  t.same(singleUnknowns(state, relations), []);
});

t.test('a complement that is the single unknown of another relation is followed there', async (t) => {
  // the total (b='') and two citizenship codes, at two Planungsräume and their Bezirksregion
  const units = ['010101', '01010101', '01010102'];
  const codes = ['', 'citizenship=auslaendisch', 'citizenship=deutsch'];
  const delivered = [
    ['01010101', '', 50], ['01010101', 'citizenship=auslaendisch', 1], ['01010101', 'citizenship=deutsch', 49],
    ['01010102', '', 60], ['01010102', 'citizenship=auslaendisch', 10], ['01010102', 'citizenship=deutsch', 50],
  ] as const;
  const result = disclosureOfGroup(delivered.map(([unit, breakdown, value]) => ({ version: '2021', unit, breakdown, value })), {
    threshold: 3, counts: true, summed: true, links: [],
  });
  const stateOf = (unit: string, breakdown: string) => result.state[result.cells.findIndex((c) => c.unit === unit && c.breakdown === breakdown)];
  t.ok(units.every((u) => codes.every((b) => result.cells.some((c) => c.unit === u && c.breakdown === b))), 'the sums are cells');
  t.equal(stateOf('01010101', 'citizenship=auslaendisch'), PRIMARY);
  // in the breakdown: deutsch (49) is smaller than the total (50)
  t.equal(stateOf('01010101', 'citizenship=deutsch'), SECONDARY);
  // in the hierarchy, for auslaendisch: 01010102's auslaendisch (10) is smaller than the Bezirksregion's (11); for deutsch 01010102 (50) is smaller than 99
  t.equal(stateOf('01010102', 'citizenship=auslaendisch'), SECONDARY);
  t.equal(stateOf('01010102', 'citizenship=deutsch'), SECONDARY);
  const relations = publishedRelations(result.cells, { hierarchy: true, breakdowns: true, links: [] });
  t.same(singleUnknowns(result.state, relations), []);
});

t.test('a subgroup code is no part of the total, and a 1:1 link makes the other version withhold the same cell', async (t) => {
  const cells = [
    { version: '2006', unit: '01', breakdown: '' },
    { version: '2006', unit: '01', breakdown: 'citizenship=migrationshintergrund' },
    { version: '2021', unit: '01', breakdown: '' },
    { version: '2021', unit: '01', breakdown: 'citizenship=migrationshintergrund' },
  ];
  const links = [{ fromVersion: '2006', fromId: '01', toVersion: '2021', toId: '01' }];
  const relations = publishedRelations(cells, { hierarchy: true, breakdowns: true, links });
  t.same(relations, [[0, 2], [1, 3]], 'only the equalities: migrationshintergrund is no code of the total');
  const state = withhold([false, true, false, false], [100, 2, 100, 2], relations);
  t.same([...state], [PUBLISHED, PRIMARY, PUBLISHED, SECONDARY]);
});

t.test('the same lattice in another order withholds the same cells', async (t) => {
  const delivered = Array.from({ length: 12 }, (_, i) => ({
    version: '2021', unit: `0101010${(i % 4) + 1}`, breakdown: ['', 'sex=maennlich', 'sex=weiblich'][Math.floor(i / 4)]!, value: [5, 2, 1, 7][i % 4]! * (1 + Math.floor(i / 4)),
  }));
  const rules = { threshold: 3, counts: true, summed: true, links: [] };
  const a = disclosureOfGroup(delivered, rules);
  const b = disclosureOfGroup([...delivered].reverse(), rules);
  t.same(a.cells, b.cells);
  t.same([...a.state], [...b.state]);
});

t.test('a value carried across the reform is a relation with the cells it is carried from', async (t) => {
  // 2021's 01010101 is carried from 2006's 01010101 (small) and 01010102: withholding only the small source would let
  // a reader of the crosswalk weights solve the carried value for it
  const delivered = [
    { version: '2006', unit: '01010101', breakdown: '', value: 2 },
    { version: '2006', unit: '01010102', breakdown: '', value: 40 },
    { version: '2021', unit: '01010101', breakdown: '', value: 21, carried: true },
    { version: '2021', unit: '01010102', breakdown: '', value: 21, carried: true },
  ];
  const carriedFrom = new Map([
    ['2021|01010101', ['2006|01010101', '2006|01010102']],
    ['2021|01010102', ['2006|01010102']],
  ]);
  const rules = { threshold: 3, counts: true, summed: true, links: [] };
  const stateOf = (r: ReturnType<typeof disclosureOfGroup>, version: string, unit: string) =>
    r.state[r.cells.findIndex((c) => c.version === version && c.unit === unit && c.breakdown === '')];
  const without = disclosureOfGroup(delivered, rules);
  const withCarry = disclosureOfGroup(delivered, { ...rules, carriedFrom });
  t.equal(stateOf(without, '2006', '01010101'), PRIMARY);
  t.equal(stateOf(withCarry, '2006', '01010101'), PRIMARY);
  const relations = publishedRelations(withCarry.cells, {
    hierarchy: true, breakdowns: true, links: [], carried: { cells: new Set(['2021|01010101|', '2021|01010102|']), sources: carriedFrom },
  });
  t.same(singleUnknowns(withCarry.state, relations), [], 'no relation, the carried ones included, has a single unknown');
  t.ok(singleUnknowns(without.state, relations).length > 0, 'without the carried relations a carried value gives the small one away');
});
