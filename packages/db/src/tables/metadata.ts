// Tables of the metadata catalog and access control (owned by services/metadata).
import type { ColumnType, Generated } from 'kysely';

type Json<T = unknown> = ColumnType<T, string | T, string | T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface MetadataTables {
  agency: {
    id: string;
    name: string;
    kind: 'senatsverwaltung' | 'bezirksamt' | 'statistikamt' | 'other';
    contact: string | null;
    created_at: Generated<Date>;
  };
  variable: {
    id: string;
    version: Generated<number>;
    supersedes: string | null;
    label_de: string;
    label_en: string;
    description: Generated<string>;
    unit: string;
    /** `rate`: a share or rate delivered per unit (in % or per 100), referring to `rate_base` */
    value_kind: Generated<'count' | 'measure' | 'rate'>;
    aggregation: 'sum' | 'none';
    /** what a rate refers to: a variable reference as in formulas (`"einwohner"` or `{ variable, breakdown }`); null unless a rate */
    rate_base: ColumnType<unknown | null, string | null | undefined, string | null>;
    finest_level: string;
    periodicity: Generated<string>;
    /** `MM-DD` of the reference date (default `12-31`), or `any` */
    reference_date: Generated<string>;
    /** allowed breakdown dimensions and their codes: `{ "citizenship": ["deutsch", …] }` */
    breakdowns: Json<Record<string, string[]>>;
    disclosure_threshold: Generated<number>;
    agency_id: string;
    licence: Generated<string>;
    access: Generated<'public' | 'restricted'>;
    status: Generated<'draft' | 'active' | 'retired'>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  indicator: {
    id: string;
    zielbereich: string;
    label_de: string;
    label_en: string;
    description: Generated<string>;
    unit: Generated<string>;
    /** an `IndicatorFormula` of @datenpool/contracts */
    formula: Json;
    polarity: 'risk' | 'potential' | 'neutral';
    core: Generated<boolean>;
    lowest_level: Generated<string>;
    min_base: Generated<number>;
    availability: Generated<string>;
    status: Generated<'draft' | 'active' | 'retired'>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
    /** the version in force (see indicator_version); a change of formula or thresholds of an active indicator adds one */
    version: Generated<number>;
    /** when the version in force took effect */
    valid_from: Generated<Date>;
    /** the agency that defined the indicator and may change it; null: the statistics office */
    agency_id: ColumnType<string | null, string | null | undefined, string | null>;
  };
  indicator_version: {
    indicator_id: string;
    version: number;
    formula: Json;
    min_base: number;
    lowest_level: string;
    valid_from: Timestamp;
    /** null for the version in force */
    valid_to: Timestamp | null;
    created_by: Generated<string>;
  };
  indicator_target: {
    id: Generated<number>;
    indicator_id: string;
    /** `0` (Berlin; `berlin` in old rows) or a Bezirk id */
    scope: string;
    period_from: string;
    period_to: string;
    target_value: number;
    note: Generated<string>;
    created_at: Generated<Date>;
    created_by: Generated<string>;
    /** set when the target was ended: it stays as history and no longer applies */
    ended_at: Date | null;
    ended_by: string | null;
  };
  referenced_source: {
    id: string;
    agency_id: string;
    variable_id: string;
    lor_version: string;
    kind: 'csv' | 'ogcapi-features' | 'sdmx-csv';
    url: string;
    mapping: Json<Record<string, unknown>>;
    schedule: string | null;
    enabled: Generated<boolean>;
    last_harvest_at: Timestamp | null;
    last_status: string | null;
    created_at: Generated<Date>;
    /** harvest credentials by reference: the header to send and the HARVEST_SECRET_* setting holding its value */
    auth: ColumnType<{ header: string; secret: string } | null, string | null | undefined, string | null>;
  };
  api_key: {
    id: string;
    prefix: string;
    hash: string;
    label: Generated<string>;
    agency_id: string | null;
    scopes: string[];
    created_at: Generated<Date>;
    created_by: string | null;
    revoked_at: Timestamp | null;
    last_used_at: Timestamp | null;
    /** after this instant the key is refused; null: it does not expire */
    expires_at: Timestamp | null;
    /** restricted data the key may read: `agency:<id>` or `variable:<id>` */
    read_grants: Generated<string[]>;
  };
}
