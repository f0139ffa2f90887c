// Rows of a large read in batches, so an export never holds its whole result, the event loop or the embedded database.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CompiledQuery, type Kysely, type RawBuilder } from 'kysely';
import type { DatabaseHandle } from './create-db.ts';

export interface RowStreamOptions {
  /** rows per batch (per FETCH) */
  batchSize: number;
  /**
   * rows handed to the consumer at once (default {@link SLICE_ROWS}): a batch is split into slices of this size with one
   * turn of the event loop between two of them, so that what the consumer does with a slice (formatting it, one
   * synchronous run) stays a few milliseconds and other requests run in between
   */
  sliceRows?: number;
}

/**
 * rows per slice by default: formatting a row of an export costs 5-30 µs on a loaded 2-core machine (SDMX-CSV about 6,
 * SDMX-ML about 8; measured over 2 000-row batches: 11-16 ms a batch warm, up to 120 ms cold), so a slice stays at a
 * few ms of one synchronous run while four exports share the event loop
 */
export const SLICE_ROWS = 250;

/** `rows` in slices of `size`, one event-loop turn before every slice but the first (which follows the read's I/O) */
async function* sliced<R>(rows: R[], size: number): AsyncGenerator<R[]> {
  if (rows.length <= size) {
    if (rows.length > 0) yield rows;
    return;
  }
  for (let at = 0; at < rows.length; at += size) {
    if (at > 0) await yieldToEventLoop();
    yield rows.slice(at, at + size);
  }
}

/** rows per slice: never more than a batch */
const sliceSize = (options: RowStreamOptions) => Math.max(1, Math.floor(Math.min(options.sliceRows ?? SLICE_ROWS, options.batchSize)));

/**
 * A query that PGlite reads in slices of its leading sort key instead of one statement: `keys` lists that key's
 * values in the query's order (a cheap statement), `query(keys)` reads the rows of some of them in the same order
 * (`query(null)`: every row, what PostgreSQL's cursor reads). A WITH HOLD cursor runs its whole query in the one
 * statement that declares it, and PGlite runs a statement on the event loop: a slice bounds both.
 */
export interface RowSlices<R> {
  keys: RawBuilder<{ key: string }>;
  query: (keys: string[] | null) => RawBuilder<R>;
  /** keys per statement */
  keysPerSlice: number;
}

/** one pass over the query's rows, in batches; a later pass starts again at the first row (the same rows: one snapshot) */
export type RowPass<R> = () => AsyncGenerator<R[]>;

/** tables replaced as a whole by a swap (a full recompute's rebuild): a cursor over them locks them first */
export const SWAPPED_TABLES = ['indicator_value'] as const;

/**
 * `consume` reads the rows of `query` through `pass` (once, or again for a second pass over the same rows) and
 * yields what it makes of them; this yields what `consume` yields.
 *
 * PostgreSQL: a cursor (DECLARE … CURSOR; FETCH batchSize) in a READ ONLY REPEATABLE READ transaction on a
 * dedicated pool client. Each FETCH is a statement of its own, so statement_timeout bounds the work of a batch
 * and not a client that reads slowly (a portal kept open across reads, as pg-cursor does, counts the
 * client's pauses against it). PGlite (one connection for every request): a cursor WITH HOLD, which outlives
 * its statement, so other requests' statements run between two FETCHes; the stream waits one turn of the event
 * loop after each batch. Either way a batch reaches the consumer in slices of `sliceRows` with a turn of the event
 * loop between them (the consumer's synchronous work stays short), and when the consumer stops (the client closed the connection, the stream was
 * destroyed) the cursor is closed and the connection given back.
 */
export async function* withRowCursor<R, T>(
  database: DatabaseHandle,
  source: RawBuilder<R> | CompiledQuery<R> | RowSlices<R>,
  options: RowStreamOptions & { /** passes after the first rewind the cursor */ scroll?: boolean },
  consume: (pass: RowPass<R>) => AsyncIterable<T>,
): AsyncGenerator<T> {
  if ('keys' in source && !database.pool) {
    yield* consume(slicedPass(database, source, sliceSize(options)));
    return;
  }
  const query = 'keys' in source ? source.query(null) : source;
  const compiled = 'sql' in query ? query : query.compile(database.db);
  const scroll = options.scroll ? 'SCROLL' : 'NO SCROLL';
  const batch = Math.max(1, Math.floor(options.batchSize));
  const slice = sliceSize(options);
  if (database.pool) {
    const client = await database.pool.connect();
    let open = false;
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      // a table a full recompute swaps in (services/indicators rebuild): the snapshot of a REPEATABLE READ transaction
      // is taken by its first query, before that query waits for the swap's lock, and would then see the new table
      // empty; LOCK takes no snapshot, so the cursor's snapshot is taken once the swap committed
      // (also when the query reads the table's published view, migration 0060)
      for (const table of SWAPPED_TABLES) {
        if (new RegExp(`\\b${table}(?:_published)?\\b`).test(compiled.sql)) await client.query(`LOCK TABLE ${table} IN ACCESS SHARE MODE`);
      }
      await client.query({ text: `DECLARE row_stream ${scroll} CURSOR FOR ${compiled.sql}`, values: [...compiled.parameters] });
      let passes = 0;
      const pass: RowPass<R> = async function* () {
        if (passes++ > 0) await client.query('MOVE ABSOLUTE 0 IN row_stream');
        for (;;) {
          const { rows } = await client.query(`FETCH ${batch} FROM row_stream`);
          yield* sliced(rows as R[], slice);
          if (rows.length < batch) return;
        }
      };
      yield* consume(pass);
      await client.query('COMMIT');
      open = false;
    } finally {
      // a consumer that stopped early (a closed connection) leaves the transaction open: end it, then give the client back
      if (open) await client.query('ROLLBACK').catch((err: Error) => (broken = err));
      client.release(broken);
    }
    return;
  }
  const db = database.db as unknown as Kysely<unknown>;
  const name = `row_stream_${randomBytes(6).toString('hex')}`;
  await db.executeQuery(CompiledQuery.raw(`DECLARE ${name} ${scroll} CURSOR WITH HOLD FOR ${compiled.sql}`, [...compiled.parameters]));
  try {
    let passes = 0;
    const pass: RowPass<R> = async function* () {
      if (passes++ > 0) await db.executeQuery(CompiledQuery.raw(`MOVE ABSOLUTE 0 IN ${name}`));
      for (;;) {
        await yieldToEventLoop();
        const { rows } = await db.executeQuery<R>(CompiledQuery.raw(`FETCH ${batch} FROM ${name}`));
        yield* sliced(rows as R[], slice);
        if (rows.length < batch) return;
      }
    };
    yield* consume(pass);
  } finally {
    await db.executeQuery(CompiledQuery.raw(`CLOSE ${name}`)).catch(() => undefined);
  }
}

/**
 * PGlite: the rows slice by slice of keys, one event-loop turn before each statement, a statement's rows in slices of
 * `sliceRows` with a turn between them; every pass reads again
 */
function slicedPass<R>(database: DatabaseHandle, slices: RowSlices<R>, sliceRows: number): RowPass<R> {
  let keys: string[] | undefined;
  return async function* () {
    keys ??= (await slices.keys.execute(database.db)).rows.map((r) => r.key);
    const step = Math.max(1, Math.floor(slices.keysPerSlice));
    for (let at = 0; at < keys.length; at += step) {
      await yieldToEventLoop();
      const { rows } = await slices.query(keys.slice(at, at + step)).execute(database.db);
      yield* sliced(rows, sliceRows);
    }
  };
}

/** the rows of `query` in slices of up to `sliceRows` (read `batchSize` at a time), read once (see {@link withRowCursor}) */
export function streamRows<R>(database: DatabaseHandle, query: RawBuilder<R> | CompiledQuery<R> | RowSlices<R>, options: RowStreamOptions): AsyncGenerator<R[]> {
  return withRowCursor(database, query, options, (pass) => pass());
}

/**
 * a stream of text chunks whose first chunk is read already: a query that fails is an error answer (a problem), not
 * a response cut off after its status line; destroying the stream (the client left) ends the chunks' generator.
 * A client that stops reading holds a cursor and its pool connection: once the stream's buffer has stayed full for
 * `stallMs` (nothing taken from it; the setting EXPORT_STALL_MS, `config.exportStallMs`), the stream is destroyed, which
 * ends the generator and gives the connection back.
 */
export async function startedStream(chunks: AsyncGenerator<string>, options: { stallMs: number }): Promise<Readable> {
  const { stallMs } = options;
  const first = await chunks.next();
  // when the stream last took a chunk from the generator: it does so whenever its buffer has room
  let taken = Date.now();
  async function* rest(): AsyncGenerator<string> {
    if (first.done) return;
    taken = Date.now();
    yield first.value;
    for await (const chunk of chunks) {
      taken = Date.now();
      yield chunk;
    }
  }
  const stream = Readable.from(rest());
  // a stream destroyed before it was read never starts `rest`: end the generator (its cursor) here
  stream.once('close', () => void chunks.return(undefined));
  // a full buffer that took nothing for stallMs: the client stopped reading (an empty buffer waits for the database)
  const watch = setInterval(() => {
    if (stream.readableLength >= stream.readableHighWaterMark && Date.now() - taken > stallMs) {
      stream.destroy(new Error(`the client read nothing for ${stallMs} ms`));
    }
  }, Math.max(20, Math.floor(stallMs / 4)));
  watch.unref();
  stream.once('close', () => clearInterval(watch));
  return stream;
}
