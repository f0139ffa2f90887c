// The record a batch's steps hand on (stage → verdict → land or reject), and the answers a batch gives.
import type { Database, Kysely } from '@datenpool/db';
import { HttpProblem, type RowError } from '@datenpool/service-kit';
import * as batches from '../queries/batches.ts';
import type { BatchReport } from '../schemas.ts';
import type { VariableRules } from './validate.ts';

export const MAX_REPORTED_ERRORS = 1000;

export interface Target {
  variable: VariableRules & { agency_id: string };
  lorVersion: string;
  units: Map<string, string>;
}

export interface BatchOptions {
  mode: 'atomic' | 'partial';
  dryRun: boolean;
  decimalComma: boolean;
  contentType: string;
  idempotencyKey: string | null;
  sourceId: string | null;
}

export interface RowCounts {
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
}

/** what a batch knows after a step: each step returns a new record, none changes the one it was given */
export interface BatchRecord {
  readonly id: string;
  readonly counts: RowCounts;
  /** the errors a client is shown: the first MAX_REPORTED_ERRORS */
  readonly errors: readonly RowError[];
  /** every error found, shown or not */
  readonly totalErrors: number;
  /** a row of a level above planungsraum was delivered: summed variables are checked against their Planungsräume */
  readonly deliveredCoarse: boolean;
}

/** the record with more errors: `total` of them found, `list` the ones known by row (shown while there is room) */
export function withErrors(record: BatchRecord, list: readonly RowError[], total: number = list.length): BatchRecord {
  const room = MAX_REPORTED_ERRORS - record.errors.length;
  const errors = room > 0 && list.length > 0 ? [...record.errors, ...list.slice(0, room)] : record.errors;
  return { ...record, errors, totalErrors: record.totalErrors + total };
}

/** the batch is refused with this problem; what it found is reported with it */
export interface Rejection {
  kind: 'reject';
  record: BatchRecord;
  problem: HttpProblem;
}

export function rejection(record: BatchRecord, problem: HttpProblem): Rejection {
  return { kind: 'reject', record, problem };
}

/** the rows are staged and counted; the verdict is still to come */
export interface Staged {
  kind: 'staged';
  record: BatchRecord;
}

/** the batch lands: with this status, after dropping the repeated keys' later rows if there are any */
export interface Landing {
  kind: 'land';
  record: BatchRecord;
  status: 'accepted' | 'partial';
  duplicatesStaged: boolean;
}

/** what the HTTP layer answers, stored for Idempotency-Key replays */
export interface BatchResult {
  statusCode: number;
  totalErrors: number;
  /** the report of a landed batch (2xx) */
  body: Record<string, unknown>;
  /** the problem of a refused batch (4xx), rethrown as it was on replay */
  problem?: { kind: string; title: string; detail: string; extensions: Record<string, unknown> };
}

export function problemOf(result: BatchResult): HttpProblem {
  const p = result.problem!;
  return new HttpProblem(result.statusCode, p.kind, p.title, p.detail, p.extensions);
}

export function reportOf(row: batches.BatchRow): BatchReport {
  const result = row.result as { totalErrors?: number } | null;
  const errors = (row.errors ?? []) as unknown as BatchReport['errors'];
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: row.id,
    variable: row.variable_id,
    lorVersion: row.lor_version,
    agency: row.agency_id,
    source: row.source_id,
    status: row.status,
    mode: row.mode,
    dryRun: row.dry_run,
    contentType: row.content_type,
    checksum: row.checksum,
    rows: {
      total: row.rows_total,
      valid: row.rows_valid,
      invalid: row.rows_invalid,
      new: Math.max(0, (row.rows_valid) - (row.rows_revised) - (row.rows_unchanged)),
      revised: row.rows_revised,
      unchanged: row.rows_unchanged,
    },
    errors,
    totalErrors: result?.totalErrors ?? errors.length,
    warnings: (row.warnings ?? []) as unknown as BatchReport['warnings'],
    startedAt: iso(row.started_at)!,
    finishedAt: iso(row.finished_at),
  };
}

/** the batch's report as the database now holds it, read in the transaction that finished it */
export async function reportNow(db: Kysely<Database>, id: string): Promise<BatchReport> {
  return reportOf((await batches.getBatch(db, id))!);
}
