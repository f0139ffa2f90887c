// The one disclosure rule: primary gaps, then complementary (secondary) gaps until no published relation has a single unknown.
//
// A relation is a set of published cells bound by one linear equation (a parent and its children, a total and the
// codes of one dimension, the same territory in two LOR versions, …). A reader who knows every cell of a relation but
// one can solve for that one. So wherever exactly one cell of a relation is withheld, one more cell of that relation is
// withheld (the published one of smallest rank, ties by index), and the relations of that cell are looked at again;
// this ends when no relation is left with exactly one withheld cell. Coefficients do not matter for that criterion, so
// a relation is only the list of its cells.

/** published, withheld as primary (below the threshold), withheld as complementary cell */
export const PUBLISHED = 0;
export const PRIMARY = 1;
export const SECONDARY = 2;

export type WithheldReason = 'disclosure' | 'secondary';

export function reasonOf(state: number): WithheldReason | null {
  return state === PRIMARY ? 'disclosure' : state === SECONDARY ? 'secondary' : null;
}

/**
 * `primary[i]`: cell i is withheld on its own; `rank[i]`: the cell's size (its value, or the base of a rate): the
 * complementary cell is the published one of smallest rank, then smallest index, so callers give cells in a stable
 * order. Returns the state of every cell (PUBLISHED, PRIMARY, SECONDARY).
 */
export function withhold(primary: ArrayLike<boolean>, rank: ArrayLike<number>, relations: readonly (readonly number[])[]): Uint8Array {
  const n = primary.length;
  const state = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (primary[i]) state[i] = PRIMARY;
  // cell → relations, as compressed rows
  const degree = new Int32Array(n + 1);
  for (const r of relations) if (r.length > 1) for (const c of r) degree[c + 1]!++;
  for (let i = 0; i < n; i++) degree[i + 1]! += degree[i]!;
  const member = new Int32Array(degree[n]!);
  const fill = degree.slice(0, n);
  const unknown = new Int32Array(relations.length);
  relations.forEach((r, k) => {
    if (r.length < 2) return;
    for (const c of r) {
      member[fill[c]!++] = k;
      if (state[c] !== PUBLISHED) unknown[k]!++;
    }
  });
  // FIFO of relations that may hold a single unknown; a relation is looked at again whenever one of its cells is withheld
  const queue: number[] = [];
  for (let k = 0; k < relations.length; k++) if (unknown[k] === 1) queue.push(k);
  for (let head = 0; head < queue.length; head++) {
    const k = queue[head]!;
    if (unknown[k] !== 1) continue;
    let pick = -1;
    for (const c of relations[k]!) {
      if (state[c] !== PUBLISHED) continue;
      if (pick < 0 || rank[c]! < rank[pick]! || (rank[c] === rank[pick] && c < pick)) pick = c;
    }
    if (pick < 0) continue;
    state[pick] = SECONDARY;
    for (let m = degree[pick]!; m < degree[pick + 1]!; m++) {
      const other = member[m]!;
      unknown[other]!++;
      if (unknown[other] === 1) queue.push(other);
    }
  }
  return state;
}

/** the relations whose single unknown is a withheld cell: empty when `withhold` did its work (the tests' check) */
export function singleUnknowns(state: ArrayLike<number>, relations: readonly (readonly number[])[]): number[][] {
  return relations.filter((r) => r.length > 1 && r.filter((c) => state[c] !== PUBLISHED).length === 1).map((r) => [...r]);
}
