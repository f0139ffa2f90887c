// The 2006 ↔ 2021 crosswalk: the bundled area-overlap tables become weights, and the additive statistics of one LOR
// version are carried to the other with them, marked `estimated`, so that a 2021 unit has a series before the reform
// and a 2006 unit one after it.
//
// Method: the tables give, per pair of units of the two versions, the overlap area and its share of each unit (pairs
// below 0.1 % of both units are digitising slivers and left out; each unit stays covered ≥ 99.8 %). The weight of a
// pair in the direction from → to is the pair's share of the *from* unit, normalised so that the weights of each
// from unit sum to exactly 1: a carried Berlin total equals the delivered one. Area weights, not residents: the
// Einwohnerregister has no date on which both versions were published.
import { parseBreakdown, type RawRow } from '../pipeline/rows.ts';
import { carriedValues, carryCandidates, type CrosswalkRow, hasCrosswalk, insertCrosswalk } from '../queries/crosswalk.ts';
import { BundleCheckFailed, type BundleLoader, readTable } from './common.ts';

export const crosswalkFiles = [
  { file: 'lor/lor-crosswalk-2006-2021-planungsraum.csv', level: 'planungsraum', idLength: 8 },
  { file: 'lor/lor-crosswalk-2006-2021-bezirksregion.csv', level: 'bezirksregion', idLength: 6 },
  { file: 'lor/lor-crosswalk-2006-2021-prognoseraum.csv', level: 'prognoseraum', idLength: 4 },
] as const;

/** both directions of one bundled table, with normalised weights */
export function crosswalkRows(file: string, level: string, idLength: number): CrosswalkRow[] {
  const table = readTable(file, ',');
  const pairs = table.records.map((r, i) => {
    const pair = {
      id2006: r.id_2006?.trim() ?? '',
      id2021: r.id_2021?.trim() ?? '',
      overlap: Number(r.overlap_m2),
      s2006: Number(r.share_of_2006),
      s2021: Number(r.share_of_2021),
    };
    if (pair.id2006.length !== idLength || pair.id2021.length !== idLength || !/^\d+$/.test(pair.id2006 + pair.id2021)) {
      throw new BundleCheckFailed(file, `row ${i + 1}: ids ${r.id_2006}/${r.id_2021} are not ${idLength}-digit ${level} ids`);
    }
    if (![pair.overlap, pair.s2006, pair.s2021].every((x) => Number.isFinite(x) && x >= 0 && x <= (x === pair.overlap ? Infinity : 1))) {
      throw new BundleCheckFailed(file, `row ${i + 1}: overlap and shares must be numbers, shares between 0 and 1`);
    }
    return pair;
  });
  const out: CrosswalkRow[] = [];
  for (const [fromVersion, toVersion] of [['2006', '2021'], ['2021', '2006']] as const) {
    const from = (p: (typeof pairs)[number]) => (fromVersion === '2006' ? p.id2006 : p.id2021);
    const to = (p: (typeof pairs)[number]) => (fromVersion === '2006' ? p.id2021 : p.id2006);
    const share = (p: (typeof pairs)[number]) => (fromVersion === '2006' ? p.s2006 : p.s2021);
    const shareTo = (p: (typeof pairs)[number]) => (fromVersion === '2006' ? p.s2021 : p.s2006);
    const totals = new Map<string, number>();
    for (const p of pairs) totals.set(from(p), (totals.get(from(p)) ?? 0) + share(p));
    for (const p of pairs) {
      if (share(p) === 0) continue;
      const total = totals.get(from(p)) ?? 0;
      if (total < 0.99) throw new BundleCheckFailed(file, `${level} ${from(p)} (${fromVersion}) is covered only ${(total * 100).toFixed(2)} %`);
      out.push({
        from_version: fromVersion,
        to_version: toVersion,
        level,
        from_id: from(p),
        to_id: to(p),
        weight: share(p) / total,
        overlap_m2: p.overlap,
        share_of_from: share(p),
        share_of_to: shareTo(p),
        method: 'area',
        source: file.replace(/^lor\//, ''),
      });
    }
  }
  return out;
}

export async function loadCrosswalk(loader: BundleLoader): Promise<void> {
  if (await hasCrosswalk(loader.db)) return;
  const report = loader.report('crosswalk');
  for (const f of crosswalkFiles) {
    const rows = crosswalkRows(f.file, f.level, f.idLength);
    await insertCrosswalk(loader.db, rows);
    report.rows += rows.length;
  }
}

/** the year-ends of an additive variable (or a delivered rate) on one version only, carried to the other: one batch per variable and direction */
export async function carryAcrossReform(loader: BundleLoader): Promise<void> {
  loader.report('carried');
  for (const key of await carryCandidates(loader.db)) {
    const carried = await carriedValues(loader.db, key);
    const rows: RawRow[] = carried.map((c, i) => ({
      row: i + 1,
      unit: c.unit_id,
      date: c.ref_date,
      // 12 significant digits: a weighted sum of shares carries float noise (100.00000000000001 %) no agency delivers
      value: String(Number(c.value.toPrecision(12))),
      breakdown: parseBreakdown(c.breakdown),
      status: 'estimated',
    }));
    await loader.load('carried', key.variable_id, key.to_version, rows, `crosswalk:${key.from_version}:${key.variable_id}:${key.ref_dates.join(',')}`);
  }
}
