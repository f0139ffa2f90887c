// Tables of indicator results (owned by services/indicators): materialised values and the recompute watermark.
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
  indicator_watermark: {
    id: string;
    batch_finished_at: Timestamp | null;
    batch_id: string | null;
    catalog_hash: string | null;
    updated_at: Generated<Date>;
  };
}
