// The bundled open data's loader kit: read a bundled table, resolve a variable's target, land rows as one batch.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Database, Kysely } from '@datenpool/db';
import { parse } from 'csv-parse/sync';
import type { FastifyBaseLogger } from 'fastify';
import { type BatchOptions, resolveTarget, runBatch, systemActor, type Target } from '../pipeline/batch.ts';
import type { RawRow } from '../pipeline/rows.ts';
import { analyzeObservations } from '../queries/observations.ts';

export const dataDir = new URL('../../../../data/', import.meta.url);

/** a bundled file's bytes (transparently gunzipped when the name ends in .gz) and the checksum of what is stored */
export function readBundled(file: string): { bytes: Buffer; checksum: string } {
  const stored = readFileSync(new URL(file, dataDir));
  const bytes = file.endsWith('.gz') ? gunzipSync(stored) : stored;
  return { bytes, checksum: createHash('sha256').update(stored).digest('hex') };
}

export interface Table {
  file: string;
  records: Record<string, string>[];
  checksum: string;
}

/** a bundled CSV table with a header row */
export function readTable(file: string, delimiter = ';'): Table {
  const { bytes, checksum } = readBundled(file);
  const records = parse(bytes, { bom: true, delimiter, columns: true, skip_empty_lines: true, relax_quotes: true }) as Record<string, string>[];
  return { file, records, checksum };
}

/** the tables' marks for "no value" (suppressed or not applicable): not delivered, not an error */
export const NO_VALUE = /^(|–|-|\.|x|NA)$/;

/** wide table → one raw row per unit and column; cells without a value are not delivered */
export function longRows(
  records: Record<string, string>[],
  unitColumn: string,
  date: string,
  columns: Record<string, Record<string, string>>,
  status?: string,
): RawRow[] {
  const rows: RawRow[] = [];
  for (const record of records) {
    for (const [column, breakdown] of Object.entries(columns)) {
      const value = record[column]?.trim();
      if (value !== undefined && !NO_VALUE.test(value)) {
        rows.push({ row: rows.length + 1, unit: record[unitColumn], date, value, breakdown, ...(status ? { status } : {}) });
      }
    }
  }
  return rows;
}

export const bundleOptions = (contentType: string): BatchOptions => ({
  mode: 'partial',
  dryRun: false,
  decimalComma: false,
  contentType,
  idempotencyKey: null,
  sourceId: null,
});

/** what one dataset's loading reports: one progress line per dataset */
export interface DatasetReport {
  dataset: string;
  batches: number;
  rows: number;
  rejected: number;
}

/** loads bundled datasets through the batch pipeline, one batch per variable, LOR version and delivery */
export class BundleLoader {
  readonly reports: DatasetReport[] = [];
  /** observations written since the table's statistics were last refreshed, and the count then */
  private sinceAnalyze = 0;
  private analyzedAt = 0;
  /** variable and version pairs the statistics know of */
  private readonly known = new Set<string>();
  constructor(
    readonly db: Kysely<Database>,
    readonly log: FastifyBaseLogger,
  ) {}

  async target(variableId: string, lorVersion: string): Promise<Target | undefined> {
    try {
      const t = await resolveTarget(this.db, variableId, lorVersion, systemActor);
      if (t.units.size === 0) throw new Error(`LOR ${lorVersion} has no units`);
      return t;
    } catch (err) {
      this.log.warn({ variable: variableId, lorVersion, reason: (err as Error).message }, 'bundle: skipped (variable or LOR units missing)');
      return undefined;
    }
  }

  /** one batch; rows the pipeline rejects are logged with their row errors (never silently kept) */
  async load(dataset: string, variableId: string, lorVersion: string, rows: RawRow[], checksum: string): Promise<void> {
    // the embedded database answers on the main thread through promise jobs only: without a turn of the event loop
    // between batches, requests (even /health) would wait for the whole load
    await new Promise((resolve) => setImmediate(resolve));
    const report = this.report(dataset);
    const t = await this.target(variableId, lorVersion);
    if (!t || rows.length === 0) return;
    const result = await runBatch(this.db, t, bundleOptions('text/csv'), systemActor, rows, () => checksum);
    const body = result.body as { totalErrors: number; errors?: unknown[] };
    report.batches++;
    report.rows += rows.length - body.totalErrors;
    await this.refreshStatistics(rows.length, `${variableId}|${lorVersion}`);
    report.rejected += body.totalErrors;
    if (body.totalErrors > 0) {
      this.log.warn({ dataset, variable: variableId, lorVersion, errors: body.totalErrors, first: body.errors?.slice(0, 3) }, 'bundle: rows rejected');
    }
  }

  /**
   * the first start writes into an observation table that grows from nothing: once it has grown by a quarter since
   * its statistics were taken, they are taken again. With stale statistics the planner takes the table for tiny and
   * joins each staged row with a scan of it (seen: one batch of 6 000 rows 0.2 s, the next of the same size 26 s).
   * Likewise after the first batch of a variable on a version: statistics that have not seen it estimate its rows at
   * one, and the next batch's merge loops over its thousands of rows once per staged row (seen: 2–4 s per
   * crime-atlas year of 2 600 rows instead of milliseconds).
   */
  private async refreshStatistics(written: number, key: string): Promise<void> {
    this.sinceAnalyze += written;
    const unseen = !this.known.has(key);
    this.known.add(key);
    if (!unseen && this.sinceAnalyze < Math.max(2000, this.analyzedAt / 4)) return;
    await analyzeObservations(this.db);
    this.analyzedAt += this.sinceAnalyze;
    this.sinceAnalyze = 0;
  }

  report(dataset: string): DatasetReport {
    let r = this.reports.find((x) => x.dataset === dataset);
    if (!r) {
      r = { dataset, batches: 0, rows: 0, rejected: 0 };
      this.reports.push(r);
    }
    return r;
  }
}

/** a bundled file's check failed: the start stops and names the file and what did not add up */
export class BundleCheckFailed extends Error {
  constructor(file: string, detail: string) {
    super(`bundled data ${file}: ${detail}`);
    this.name = 'BundleCheckFailed';
  }
}
