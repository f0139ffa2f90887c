// A large read reaches its consumer in slices with a turn of the event loop between two of them (packages/db stream.ts),
// so that what an export does with a slice (formatting it) is one short synchronous run and other requests are served
// in between: on PostgreSQL (a cursor on a pool client), on PGlite (a cursor WITH HOLD, and the key slices of RowSlices),
// and for SDMX messages held in memory (services/sdmx dataset.ts observationsInMemory).
import { createDb, type DatabaseHandle, SLICE_ROWS, sql, streamRows, withRowCursor } from '@datenpool/db';
import t, { type Test } from 'tap';
import { observationsInMemory, type SdmxObservation } from '../services/sdmx/src/dataset.ts';
import { testDatabase } from './support/database.ts';

/**
 * every batch `source` yields, with how many turns of the event loop had passed when it came: a ticker re-schedules
 * itself with setImmediate, so it advances only when the consumer's code gave the loop back
 */
async function consume<R>(source: AsyncIterable<R[]>): Promise<Array<{ rows: R[]; turn: number }>> {
  let turn = 0;
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const seen: Array<{ rows: R[]; turn: number }> = [];
  try {
    for await (const rows of source) seen.push({ rows, turn });
  } finally {
    ticking = false;
  }
  return seen;
}

/**
 * the slices hold every row in order, none more than `size`, and the loop turned between every two slices of one read
 * (`perRead` slices a FETCH or statement; the next read waits for the database's answer, I/O of its own, which the
 * ticker does not count: it runs after the I/O of the same turn)
 */
function slicedWithTurns(t: Test, seen: Array<{ rows: Array<{ n: number }>; turn: number }>, total: number, size: number, perRead = Number.POSITIVE_INFINITY): void {
  const all = seen.flatMap((s) => s.rows.map((r) => r.n));
  t.equal(all.length, total, `${total} rows`);
  t.ok(
    all.every((n, i) => n === i + 1),
    'in the order of the query',
  );
  t.equal(seen.length, Math.ceil(total / size), `${Math.ceil(total / size)} slices`);
  t.ok(
    seen.every((s) => s.rows.length <= size),
    `none larger than ${size} rows (largest ${Math.max(...seen.map((s) => s.rows.length))})`,
  );
  const stuck = seen.findIndex((s, i) => i % perRead !== 0 && s.turn <= (seen[i - 1] as { turn: number }).turn);
  t.equal(stuck, -1, 'the event loop turned between every two slices of a read');
}

const series = (rows: number) => sql<{ n: number }>`SELECT n FROM generate_series(1, ${rows}::int) n ORDER BY n`;

async function cursorCases(t: Test, database: DatabaseHandle): Promise<void> {
  t.test('a FETCH batch of 2 000 reaches the consumer as slices of 250', async (t) => {
    slicedWithTurns(t, await consume(streamRows(database, series(10_000), { batchSize: 2000, sliceRows: 250 })), 10_000, 250, 8);
  });
  t.test(`by default a slice is SLICE_ROWS (${SLICE_ROWS}) rows`, async (t) => {
    slicedWithTurns(t, await consume(streamRows(database, series(5_000), { batchSize: 2000 })), 5_000, SLICE_ROWS, Math.ceil(2000 / SLICE_ROWS));
  });
  t.test('a slice is never larger than a batch', async (t) => {
    slicedWithTurns(t, await consume(streamRows(database, series(1_000), { batchSize: 100, sliceRows: 250 })), 1_000, 100, 1);
  });
  t.test('a second pass over the cursor is sliced alike', async (t) => {
    const passes = withRowCursor(database, series(3_000), { batchSize: 1000, sliceRows: 200, scroll: true }, async function* (pass) {
      const first = await consume(pass());
      const second = await consume(pass());
      yield [first, second];
    });
    for await (const [first, second] of passes) {
      slicedWithTurns(t, first as never, 3_000, 200, 5);
      slicedWithTurns(t, second as never, 3_000, 200, 5);
    }
  });
}

t.test('PostgreSQL', async (t) => {
  const database = await testDatabase(t);
  await cursorCases(t, database);
});

t.test('PGlite', async (t) => {
  const database = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 60_000 });
  t.teardown(() => database.close());
  await cursorCases(t, database);
  t.test('RowSlices: a statement of 2 000 rows (two keys) reaches the consumer as slices of 250', async (t) => {
    const source = {
      keys: sql<{ key: string }>`SELECT k::text AS key FROM generate_series(1, 5) k`,
      // keys 1…5, each 1 000 rows numbered so that the whole read is 1…5 000 in order
      query: (keys: string[] | null) =>
        sql<{ n: number }>`SELECT (k - 1) * 1000 + i AS n FROM generate_series(1, 5) k, generate_series(1, 1000) i
          WHERE ${keys ? sql`k::text = ANY(${keys}::text[])` : sql`true`} ORDER BY k, i`,
      keysPerSlice: 2,
    };
    const seen = await consume(withRowCursor(database, source, { batchSize: 2000, sliceRows: 250 }, (pass) => pass()));
    slicedWithTurns(t, seen, 5_000, 250, 8);
  });
});

t.test('SDMX: observations held in memory reach the writer in slices of SLICE_ROWS with a turn between them', async (t) => {
  const total = SLICE_ROWS * 3 + 17;
  const observations: SdmxObservation[] = Array.from({ length: total }, (_, i) => ({
    key: ['einwohner', '11001001', '_T', String(2000 + (i % 20))],
    value: i + 1,
    attributes: {},
    deleted: false,
    validFrom: null,
  }));
  const memory = observationsInMemory(observations, new Map());
  const seen = await consume(memory.read());
  slicedWithTurns(
    t,
    seen.map((s) => ({ turn: s.turn, rows: s.rows.map((o) => ({ n: o.value as number })) })),
    total,
    SLICE_ROWS,
  );
  const again = await consume(memory.read());
  t.equal(again.flatMap((s) => s.rows).length, total, 'a second pass reads them all again');
});
