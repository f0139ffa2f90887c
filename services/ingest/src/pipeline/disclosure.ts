// Disclosure evaluation where observations land: the pending groups (variable, reference date) of the transaction are
// evaluated with @datenpool/disclosure and their withheld cells written, in the same transaction.
import { type Database, type Kysely, versionLinks as readVersionLinks } from '@datenpool/db';
import { type App, runPeriodically } from '@datenpool/service-kit';
import { disclosureOfGroup, type ObservationCell, reasonOf, type VersionLink } from '@datenpool/disclosure';
import * as q from '../queries/disclosure.ts';
import { enqueueWithheldRecompute } from '../queries/recompute-queue.ts';

export interface DisclosureOutcome {
  groups: number;
  withheld: number;
  /**
   * the LOR versions and reference years whose withheld cells changed, by variable: what the indicators reading them
   * must follow (a landing in one version can withhold cells of the other, through the units both versions share)
   */
  changed: Map<string, Map<string, number[]>>;
}

/** the distinct reference years of withheld intervals (one per cell and change), by LOR version */
function yearsByVersion(cells: Array<{ version: string; date: string }>): Map<string, number[]> {
  const byVersion = new Map<string, number[]>();
  for (const c of cells) {
    const year = Number(c.date.slice(0, 4));
    const years = byVersion.get(c.version) ?? [];
    if (!years.includes(year)) years.push(year);
    byVersion.set(c.version, years);
  }
  return byVersion;
}

/**
 * evaluates every open pending group of `variableId` (null: of every variable). Run it in the transaction that wrote
 * the observations: the pending rows it closes are locked until commit, so a concurrent landing of the same group
 * waits and evaluates afterwards with these rows in view.
 */
export async function evaluateDisclosure(trx: Kysely<Database>, variableId: string | null, links?: VersionLink[]): Promise<DisclosureOutcome> {
  const pending = await q.takePending(trx, variableId);
  const outcome: DisclosureOutcome = { groups: pending.length, withheld: 0, changed: new Map() };
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
    const changed = (cells: Array<{ version: string; date: string }>) => {
      if (cells.length > 0) outcome.changed.set(rule.id, yearsByVersion(cells));
    };
    const counts = rule.value_kind === 'count' && rule.disclosure_threshold > 0;
    if (!counts) {
      changed(await q.replaceWithheld(trx, rule.id, dates, []));
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
    changed(await q.replaceWithheld(trx, rule.id, dates, withheld));
    outcome.withheld += withheld.length;
  }
  await q.dropEmptyPending(trx);
  return outcome;
}

/**
 * queues the indicators of the versions and years whose withheld cells changed, less what `covered` (a landing
 * batch's own entry) queues already. In a landing that is the other version's units both versions share, and dates
 * of the variable left pending before (a threshold change) that the landing evaluated with its own.
 */
export async function enqueueWithheldChanges(
  trx: Kysely<Database>,
  outcome: DisclosureOutcome,
  covered?: { variable: string; version: string; years: number[] },
): Promise<void> {
  for (const [variable, byVersion] of outcome.changed) {
    for (const [version, years] of byVersion) {
      const own = covered && covered.variable === variable && covered.version === version ? covered.years : [];
      const left = years.filter((y) => !own.includes(y)).sort((a, b) => a - b);
      if (left.length > 0) await enqueueWithheldRecompute(trx, variable, version, left);
    }
  }
}

/**
 * evaluates whatever is pending (observations written before migration 0057, a changed threshold), in one
 * transaction, and queues the indicators of the years whose withheld cells changed (they read the withheld cells;
 * outside a landing no batch queued them after the evaluation). An evaluation that withholds what was withheld
 * before queues nothing: the values computed from those cells stand.
 */
export async function evaluatePending(db: Kysely<Database>): Promise<DisclosureOutcome> {
  return db.transaction().execute(async (trx) => {
    const outcome = await evaluateDisclosure(trx, null);
    await enqueueWithheldChanges(trx, outcome);
    return outcome;
  });
}

/**
 * a listening server evaluates what becomes pending outside a landing (a threshold changed through the metadata API),
 * every `pollMs`; an app driven by inject (tests) does not, so that what is pending stays observable there
 */
export function watchPendingDisclosure(app: App, pollMs: number): void {
  runPeriodically(app, { everyMs: pollMs, startOn: 'listen', failed: 'pending disclosure evaluation failed; its cells stay withheld' }, async () => {
    if (await q.anyPending(app.database.db)) {
      const outcome = await evaluatePending(app.database.db);
      app.log.info({ groups: outcome.groups, withheld: outcome.withheld }, 'pending disclosure evaluated');
    }
  });
}
