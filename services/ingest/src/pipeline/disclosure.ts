// Disclosure evaluation where observations land: the pending groups (variable, reference date) of the transaction are
// evaluated with @datenpool/disclosure and their withheld cells written, in the same transaction.
import { type Database, type Kysely, versionLinks as readVersionLinks } from '@datenpool/db';
import { disclosureOfGroup, type ObservationCell, reasonOf, type VersionLink } from '@datenpool/disclosure';
import * as q from '../queries/disclosure.ts';

export interface DisclosureOutcome {
  groups: number;
  withheld: number;
}

/**
 * evaluates every open pending group of `variableId` (null: of every variable). Run it in the transaction that wrote
 * the observations: the pending rows it closes are locked until commit, so a concurrent landing of the same group
 * waits and evaluates afterwards with these rows in view.
 */
export async function evaluateDisclosure(trx: Kysely<Database>, variableId: string | null, links?: VersionLink[]): Promise<DisclosureOutcome> {
  const pending = await q.takePending(trx, variableId);
  const outcome = { groups: pending.length, withheld: 0 };
  if (pending.length === 0) return outcome;
  const datesOf = new Map<string, string[]>();
  for (const p of pending) {
    const list = datesOf.get(p.variable_id);
    if (list) list.push(p.ref_date);
    else datesOf.set(p.variable_id, [p.ref_date]);
  }
  const rules = await q.disclosureRules(trx, [...datesOf.keys()]);
  let versionLinks = links;
  let carriedFrom: Map<string, string[]> | undefined;
  for (const rule of rules) {
    const dates = datesOf.get(rule.id)!;
    const counts = rule.value_kind === 'count' && rule.disclosure_threshold > 0;
    if (!counts) {
      await q.replaceWithheld(trx, rule.id, dates, []);
      continue;
    }
    const summed = rule.aggregation === 'sum';
    const small = await q.datesWithSmallCells(trx, rule.id, dates, rule.disclosure_threshold);
    if (small.length > 0 && summed && !versionLinks) versionLinks = await readVersionLinks(trx);
    if (small.length > 0 && summed && !carriedFrom) carriedFrom = await q.carrySources(trx);
    const byDate = new Map<string, ObservationCell[]>(small.map((d) => [d, []]));
    for (const r of small.length > 0 ? await q.groupCells(trx, rule.id, small) : []) {
      byDate.get(r.ref_date)?.push({ version: r.lor_version, unit: r.unit_id, breakdown: r.breakdown, value: Number(r.value), carried: r.estimated });
    }
    const withheld: q.WithheldCell[] = [];
    for (const [date, cells] of byDate) {
      const result = disclosureOfGroup(cells, {
        threshold: rule.disclosure_threshold, counts: true, summed, links: versionLinks ?? [], ...(carriedFrom ? { carriedFrom } : {}),
      });
      result.cells.forEach((c, i) => {
        const reason = reasonOf(result.state[i]!);
        if (reason) withheld.push({ ref_date: date, lor_version: c.version, unit_id: c.unit, breakdown: c.breakdown, reason });
      });
    }
    await q.replaceWithheld(trx, rule.id, dates, withheld);
    outcome.withheld += withheld.length;
  }
  await q.dropEmptyPending(trx);
  return outcome;
}

/** evaluates whatever is pending (observations written before migration 0057, a changed threshold), in one transaction */
export async function evaluatePending(db: Kysely<Database>): Promise<DisclosureOutcome> {
  return db.transaction().execute((trx) => evaluateDisclosure(trx, null));
}
