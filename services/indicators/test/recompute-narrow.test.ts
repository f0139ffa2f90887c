// The incremental merge leaves the partitions a batch did not change alone (engine/annotate.ts, keepUnchanged) and
// refreshes the later years' changes from the rows it wrote: a batch touching one unit, in one year or in two years
// with different cells, leaves exactly what a full rebuild computes, in every column (computed_at included), and the
// narrowing did happen (rows were kept out of the annotation).
import { randomUUID } from 'node:crypto';
import { type DatabaseHandle, sql } from '@datenpool/db';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import t, { type Test } from 'tap';
import { testDatabase } from '../../../test/support/database.ts';
import { enqueueBatchRecompute } from '../../ingest/src/queries/recompute-queue.ts';
import { indicatorConfigFromEnv } from '../src/config.ts';
import { recomputeAll, recomputeFull, recomputePending } from '../src/engine/recompute.ts';
import { loadFixture, VERSION } from './fixture.ts';

const config = indicatorConfigFromEnv();
t.setTimeout(900_000);

/** counts the rows the merges moved into iv_kept (the statement's affected rows), by watching the statements run */
class KeptRows implements KyselyPlugin {
  rows = 0;
  readonly #queries = new Set<string>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as { kind: string; sqlFragments?: readonly string[] };
    if (node.kind === 'RawNode' && (node.sqlFragments ?? []).join('').includes('INSERT INTO iv_kept')) this.#queries.add(args.queryId.queryId);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#queries.delete(args.queryId.queryId)) this.rows += Number(args.result.numAffectedRows ?? 0);
    return args.result;
  }
}

async function snapshot(database: DatabaseHandle, name: string): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(database.db);
  await sql`CREATE TABLE ${sql.table(name)} AS SELECT * FROM indicator_value`.execute(database.db);
}

/** rows of indicator_value that differ from the snapshot in any column, both directions (a few of each) */
async function differences(database: DatabaseHandle, name: string) {
  const s = sql.table(name);
  const missing = await sql`SELECT * FROM (SELECT * FROM ${s} EXCEPT ALL SELECT * FROM indicator_value) x LIMIT 5`.execute(database.db);
  const extra = await sql`SELECT * FROM (SELECT * FROM indicator_value EXCEPT ALL SELECT * FROM ${s}) x LIMIT 5`.execute(database.db);
  return { missing: missing.rows, extra: extra.rows };
}

/** a new batch revising the given cells of `variable` (unit, date, breakdown) by `delta`, landed with its queue entry */
async function revise(database: DatabaseHandle, variable: string, cells: Array<{ unit: string; date: string; breakdown: string; delta: number }>) {
  const batch = randomUUID();
  await database.db.transaction().execute(async (trx) => {
    await trx.insertInto('ingest_batch').values({ id: batch, variable_id: variable, lor_version: VERSION, status: 'accepted', errors: '[]', warnings: '[]', finished_at: new Date() }).execute();
    for (const c of cells) {
      const r = await sql`WITH closed AS (
          UPDATE observation SET valid_to = now() WHERE variable_id = ${variable} AND unit_id = ${c.unit} AND ref_date = ${c.date}::date
            AND breakdown = ${c.breakdown} AND valid_to IS NULL
          RETURNING variable_id, lor_version, level, unit_id, ref_date, breakdown, value)
        INSERT INTO observation (variable_id, lor_version, level, unit_id, ref_date, breakdown, value, batch_id)
        SELECT variable_id, lor_version, level, unit_id, ref_date, breakdown, value + ${c.delta}, ${batch}::uuid FROM closed`.execute(trx);
      if (Number(r.numAffectedRows ?? 0) !== 1) throw new Error(`${variable} ${JSON.stringify(c)}: no current observation to revise`);
    }
    await enqueueBatchRecompute(trx, batch, variable, VERSION);
  });
  return batch;
}

const database = await testDatabase(t);
const fixture = await loadFixture(database);
// a full recompute over the fixture first: the stored rows a merge compares with are then a full recompute's
await recomputeFull(database.db, config);
const unit = fixture.plr[7]?.id as string;

/** the incremental recompute of what is queued, counting kept rows; then a full rebuild must find nothing to change */
async function incrementalThenRebuild(t: Test, label: string, expectKept: boolean) {
  const kept = new KeptRows();
  const report = await recomputePending(database.db.withPlugin(kept), config);
  await snapshot(database, 'narrow_incremental');
  const full = await recomputeAll(database.db, config);
  const diff = await differences(database, 'narrow_incremental');
  t.equal(report?.mode, 'incremental', `${label}: the incremental path`);
  if (expectKept) t.ok(kept.rows > 0, `${label}: ${kept.rows} staged rows equal to the stored ones were kept out of the annotation`);
  // every partition of the indicators that read the variable holds the revised unit (or, for the index, moves with it)
  else t.equal(kept.rows, 0, `${label}: no staged partition without the revised unit, none kept`);
  t.ok((report?.valuesWritten ?? 0) > 0, `${label}: ${report?.valuesWritten} values written`);
  t.same(diff.missing, [], `${label}: no row of the incremental result differs from the rebuild's (every column)`);
  t.same(diff.extra, [], `${label}: no row the incremental result lacks`);
  t.equal(full.valuesWritten, 0, `${label}: the rebuild counts nothing changed`);
  t.equal(full.valuesRemoved, 0, `${label}: the rebuild removes nothing`);
}

t.test('one unit, one year: the later year changes follow, unchanged partitions are kept', async (t) => {
  const before = await database.db.selectFrom('indicator_value').select(['value', 'change_1y']).where('indicator_id', '=', 'tx_wanderung')
    .where('unit_id', '=', unit).where('ref_date', '=', '2022-12-31').where('breakdown', '=', '').executeTakeFirstOrThrow();
  await revise(database, 'tx_zuzug', [{ unit, date: '2021-12-31', breakdown: '', delta: 60 }]);
  await incrementalThenRebuild(t, 'tx_zuzug 2021', false);
  const after = await database.db.selectFrom('indicator_value').select(['value', 'change_1y']).where('indicator_id', '=', 'tx_wanderung')
    .where('unit_id', '=', unit).where('ref_date', '=', '2022-12-31').where('breakdown', '=', '').executeTakeFirstOrThrow();
  t.equal(after.value, before.value, '2022 itself did not change');
  t.not(after.change_1y, before.change_1y, "2022's change against the corrected 2021 did");
});

t.test('two years, different cells: an unchanged partition whose earlier year changed is annotated again', async (t) => {
  // 2020: the total of the unit; 2021: only its German citizens. tx_sgb2_anteil's total of 2021 is unchanged, but its
  // change against 2020 moves, and its German citizens' partition of 2020 is unchanged and stays as stored
  const total2021 = () => database.db.selectFrom('indicator_value').select(['value', 'change_1y']).where('indicator_id', '=', 'tx_sgb2_anteil')
    .where('unit_id', '=', unit).where('ref_date', '=', '2021-12-31').where('breakdown', '=', '').executeTakeFirstOrThrow();
  const before = await total2021();
  await revise(database, 'tx_sgb2', [
    { unit, date: '2020-12-31', breakdown: '', delta: 40 },
    { unit, date: '2021-12-31', breakdown: 'citizenship=deutsch', delta: 5 },
  ]);
  await incrementalThenRebuild(t, 'tx_sgb2 2020 and 2021', true);
  const after = await total2021();
  t.equal(after.value, before.value, 'the 2021 total itself did not change');
  t.not(after.change_1y, before.change_1y, 'its change against 2020 did');
});

t.test('a batch that re-delivers a value unchanged: the values naming it are written, the others kept', async (t) => {
  await revise(database, 'tx_zuzug', [{ unit, date: '2020-12-31', breakdown: '', delta: 0 }]);
  // the new batch is named in the provenance of the values that read the cell: those are written, the rest is kept
  const kept = new KeptRows();
  const report = await recomputePending(database.db.withPlugin(kept), config);
  const staged = await database.db.selectFrom('indicator_value').select(sql<number>`count(*)::int`.as('n'))
    .where('indicator_id', 'in', report?.indicators ?? ['']).where('ref_date', '=', '2020-12-31').executeTakeFirstOrThrow();
  t.ok(kept.rows > 0 && kept.rows < staged.n, `${kept.rows} of the ${staged.n} values of 2020 kept`);
  t.ok((report?.valuesWritten ?? 0) > 0, 'the values naming the new batch were written');
  await snapshot(database, 'narrow_incremental');
  const full = await recomputeAll(database.db, config);
  t.same(await differences(database, 'narrow_incremental'), { missing: [], extra: [] }, 'the rebuild finds the same rows');
  t.equal(full.valuesWritten, 0, 'the rebuild counts nothing changed');
});
