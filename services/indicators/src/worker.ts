// The recompute worker: consumes the recompute queue off the read path (LISTEN/NOTIFY on PostgreSQL, polling on PGlite).
import { type DatabaseHandle, sql } from '@datenpool/db';
import type { IndicatorConfig } from './config.ts';
import { labelConnection, peekEntries, queueAges } from './engine/queue.ts';
import { type QueueReport, recomputePending } from './engine/recompute.ts';

/** the part of a pg client the listener uses (the pool's own client class: one pg, as the pool is configured) */
interface ListenClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

type ListenClientClass = new (config: { connectionString?: string; application_name: string }) => ListenClient;

/** the channel the queue's trigger notifies on commit of every enqueuing statement (migration 0054) */
export const RECOMPUTE_CHANNEL = 'datenpool_recompute';

interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WorkerOptions {
  database: DatabaseHandle;
  config: IndicatorConfig;
  log: Log;
  /** PGlite: how often the queue is looked at; PostgreSQL: how soon a busy or failed drain is retried */
  pollMs?: number;
  /** PostgreSQL: a look at the queue even without a notification (one lost while the listener reconnected) */
  safetyPollMs?: number;
  /**
   * PGlite only: a recompute starts once no entry was queued for this long, or the oldest entry waited ten times as
   * long (its one session would otherwise hold a burst of pushes behind a recompute after each); default: the config's
   */
  quietMs?: number;
  /** called with every recompute the worker ran (tests, logs) */
  onReport?: (report: QueueReport) => void;
}

/**
 * one recompute of what is queued, on a reserved connection that names itself for the status report; 'busy' when
 * another worker (this process or any other) is at it. The worker lock only saves duplicate work (two full
 * recomputes of the same entries); correctness rests on the claim (FOR UPDATE SKIP LOCKED) and the recompute lock.
 * No state is kept here: on PostgreSQL the session-level advisory lock keeps a second drain of the same process (the
 * bootstrap's catch-up beside the worker) out, on PGlite its one connection is lent to one holder at a time (packages/db,
 * pglite-dialect.ts), so a second drain waits for the first to release it and then finds the queue consumed.
 */
async function drainStep(database: DatabaseHandle, config: IndicatorConfig): Promise<QueueReport | null | 'busy'> {
  return database.db.connection().execute(async (conn) => {
    const { rows } = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(hashtext('datenpool.indicators.worker')) AS ok`.execute(conn);
    if (!rows[0]?.ok) return 'busy' as const;
    try {
      // an empty queue (most looks of the safety poll) is not listed as running
      if ((await peekEntries(conn, 1)).length === 0) return null;
      await labelConnection(conn, 'recompute');
      return await recomputePending(conn, config);
    } finally {
      await labelConnection(conn, null).catch(() => {});
      await sql`SELECT pg_advisory_unlock(hashtext('datenpool.indicators.worker'))`.execute(conn).catch(() => {});
    }
  });
}

/**
 * recomputes until the queue is empty, in this call, or waits while a worker does it (the bootstrap's catch-up, the
 * template of the tests, a test that pushed and reads next); the reports of the recomputes this call ran
 */
export async function drainRecomputeQueue(database: DatabaseHandle, config: IndicatorConfig, pollMs = 50): Promise<QueueReport[]> {
  const reports: QueueReport[] = [];
  for (;;) {
    const report = await drainStep(database, config);
    if (report === null) return reports;
    if (report === 'busy') await new Promise((resolve) => setTimeout(resolve, pollMs));
    else reports.push(report);
  }
}

export class RecomputeWorker {
  readonly #options: Required<Omit<WorkerOptions, 'onReport'>> & Pick<WorkerOptions, 'onReport'>;
  #stopped = true;
  #wanted = false;
  #cycle: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #safety: NodeJS.Timeout | null = null;
  #listener: ListenClient | null = null;
  #failures = 0;
  #reconnecting = false;

  constructor(options: WorkerOptions) {
    this.#options = { pollMs: 200, safetyPollMs: 5_000, quietMs: options.config.workerQuietMs, ...options };
  }

  get listening(): boolean {
    return this.#listener !== null;
  }

  /** starts listening (PostgreSQL) or polling (PGlite) and catches up on what is queued at once */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    const pool = this.#options.database.pool;
    if (pool) {
      await this.#listen().catch((err) => this.#reconnectLater(err));
      this.#safety = setInterval(() => this.wake(), this.#options.safetyPollMs);
    } else {
      this.#safety = setInterval(() => this.wake(), this.#options.pollMs);
    }
    this.#safety.unref();
    this.wake();
  }

  /** stops taking work, waits for the recompute in progress (its transaction commits or rolls back) and disconnects */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#safety) clearInterval(this.#safety);
    this.#timer = this.#safety = null;
    const listener = this.#listener;
    this.#listener = null;
    await listener?.end().catch(() => {});
    await this.#cycle?.catch(() => {});
  }

  /** asks for a look at the queue; a cycle in progress looks again when it is done */
  wake(): void {
    if (this.#stopped) return;
    this.#wanted = true;
    if (!this.#cycle) this.#cycle = this.#run().finally(() => (this.#cycle = null));
  }

  async #run(): Promise<void> {
    while (this.#wanted && !this.#stopped) {
      this.#wanted = false;
      await this.#drain();
    }
  }

  async #drain(): Promise<void> {
    const { database, config, log } = this.#options;
    try {
      for (;;) {
        if (this.#stopped) return;
        const wait = await this.#quietWait();
        if (wait > 0) {
          this.#retryIn(wait);
          break;
        }
        const report = await drainStep(database, config);
        if (report === null) break;
        if (report === 'busy') {
          // another worker drains; it may stop just before new entries commit, so look again soon
          this.#retryIn(this.#options.pollMs);
          break;
        }
        this.#failures = 0;
        log.info(
          { mode: report.mode, entries: report.consumed.length, indicators: report.indicators.length, values: report.valuesWritten, seconds: report.seconds },
          'indicator values recomputed',
        );
        this.#options.onReport?.(report);
      }
    } catch (err) {
      if (this.#stopped) return;
      // the entries stay queued (their claim rolled back): retry with a growing pause, so a lasting error does not spin
      this.#failures++;
      const pause = Math.min(30_000, this.#options.pollMs * 2 ** Math.min(this.#failures, 8));
      log.error({ err, retryInMs: pause }, 'indicator recompute failed; its queue entries stay queued');
      this.#retryIn(pause);
    }
  }

  /** on PGlite, how much longer to let a burst of landing batches go first (0: recompute now) */
  async #quietWait(): Promise<number> {
    const { database, quietMs } = this.#options;
    if (database.pool || quietMs <= 0) return 0;
    const ages = await queueAges(database.db);
    if (!ages || ages.newestMs >= quietMs || ages.oldestMs >= 10 * quietMs) return 0;
    return Math.max(10, Math.ceil(quietMs - ages.newestMs));
  }

  #retryIn(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.wake();
    }, ms);
    this.#timer.unref();
  }

  /** a dedicated connection that LISTENs: notifications arrive when the enqueuing transactions commit */
  async #listen(): Promise<void> {
    // pg-pool keeps the client class it creates connections with, and its options
    const pool = this.#options.database.pool as unknown as { Client: ListenClientClass; options: { connectionString?: string } };
    const client = new pool.Client({ connectionString: pool.options.connectionString, application_name: 'datenpool-indicator-worker' });
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      if (this.#listener === client) this.#listener = null;
      client.end().catch(() => {});
      this.#reconnectLater(err);
    });
    client.on('end', () => {
      if (this.#listener === client && !this.#stopped) {
        this.#listener = null;
        this.#reconnectLater(new Error('listener connection ended'));
      }
    });
    await client.connect();
    await client.query(`LISTEN ${RECOMPUTE_CHANNEL}`);
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.#listener = client;
    // anything that committed while no one listened
    this.wake();
  }

  #reconnectLater(err: unknown): void {
    if (this.#stopped || this.#reconnecting) return;
    this.#reconnecting = true;
    this.#options.log.warn({ err: (err as Error)?.message ?? String(err) }, 'recompute listener lost; reconnecting');
    const t = setTimeout(() => {
      this.#reconnecting = false;
      if (this.#stopped || this.#listener) return;
      this.#listen().catch((e) => this.#reconnectLater(e));
    }, 1_000);
    t.unref();
  }
}
