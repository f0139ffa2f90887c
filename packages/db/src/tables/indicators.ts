// Tables of indicator results (owned by services/indicators): materialised values, the recompute queue and the last recompute.
import type { ColumnType, Generated } from 'kysely';

type Json<T = unknown> = ColumnType<T, string | T, string | T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface IndicatorValueProvenance {
  /** ingest batches whose observation revisions the value was computed from */
  batches: string[];
  /** input reference dates that differ from 31 December, by variable */
  inputDates?: Record<string, string>;
  /** indicators a change or index value was derived from */
  from?: string[];
  /** rate values: what the coarser levels' means are weighted by (`{ variable, breakdown }`), and whether it is the fallback total */
  weights?: { variable: string; breakdown: Record<string, string | string[]>; fallback: boolean };
}

export interface IndicatorTables {
  indicator_value: {
    indicator_id: string;
    lor_version: string;
    level: string;
    unit_id: string;
    ref_date: ColumnType<string, string, string>;
    breakdown: string;
    value: number | null;
    numerator: number | null;
    denominator: number | null;
    status: 'ok' | 'suppressed' | 'provisional' | 'estimated';
    suppression: 'min_base' | 'disclosure' | 'secondary' | null;
    berlin: number | null;
    district: number | null;
    rank: number | null;
    /** rank within the unit's district at its level (below Bezirk) */
    rank_district: number | null;
    percentile: number | null;
    change_1y: number | null;
    change_ny: number | null;
    target: number | null;
    target_distance: number | null;
    class: number | null;
    class_label: string | null;
    dynamics: number | null;
    dynamics_class: number | null;
    /** index values: the dynamics class's label and the combined label of status and dynamics (migration 0052) */
    dynamics_label: string | null;
    combined_label: string | null;
    provenance: Json<IndicatorValueProvenance>;
    computed_at: Generated<Date>;
  };
  /** the recompute outbox (migration 0054): written in the transaction that changed something, consumed by the recompute */
  indicator_recompute_queue: {
    id: Generated<number>;
    kind: 'observations' | 'indicator' | 'full';
    variable_id: string | null;
    lor_version: string | null;
    /** reference years of the changed observations; null: every year */
    ref_years: number[] | null;
    indicator_id: string | null;
    batch_id: string | null;
    reason: string;
    enqueued_at: Generated<Date>;
  };
  /** the last completed recompute (one row, id `values`): what answers report as computedAt */
  indicator_recompute_state: {
    id: string;
    mode: string;
    entries: number;
    indicators: number;
    values_written: number;
    values_removed: number;
    seconds: number;
    finished_at: Timestamp;
  };
}
