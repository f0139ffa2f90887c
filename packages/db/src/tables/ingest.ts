// Tables of ingestion: batches and observation revisions (owned by services/ingest).
import type { ColumnType, Generated } from 'kysely';

type Json<T = unknown> = ColumnType<T, string | T, string | T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface IngestTables {
  ingest_batch: {
    id: string;
    variable_id: string | null;
    lor_version: string | null;
    agency_id: string | null;
    key_id: string | null;
    source_id: string | null;
    idempotency_key: string | null;
    checksum: string | null;
    content_type: string | null;
    mode: Generated<'atomic' | 'partial'>;
    dry_run: Generated<boolean>;
    status: 'running' | 'accepted' | 'partial' | 'rejected' | 'failed';
    rows_total: Generated<number>;
    rows_valid: Generated<number>;
    rows_invalid: Generated<number>;
    rows_revised: Generated<number>;
    rows_unchanged: Generated<number>;
    errors: Json<unknown[]>;
    warnings: Json<unknown[]>;
    result: Json | null;
    started_at: Generated<Date>;
    finished_at: Timestamp | null;
  };
  observation: {
    id: Generated<number>;
    variable_id: string;
    lor_version: string;
    level: string;
    unit_id: string;
    ref_date: ColumnType<string, string, string>;
    breakdown: Generated<string>;
    value: number | null;
    deleted: Generated<boolean>;
    status: Generated<'provisional' | 'final' | 'estimated'>;
    batch_id: string;
    valid_from: Generated<Date>;
    valid_to: Timestamp | null;
  };
  /** validated rows of a running batch; emptied when the batch lands (owned by services/ingest) */
  ingest_staging: {
    batch_id: string;
    row_no: number;
    unit_id: string;
    level: string;
    ref_date: ColumnType<string, string, string>;
    breakdown: string;
    value: number | null;
    deleted: boolean;
    status: string;
  };
}
