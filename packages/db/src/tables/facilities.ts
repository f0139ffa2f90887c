// Tables of the facility points (migration 0051; written by services/ingest, served by services/geometry).
import type { Generated } from 'kysely';

export interface FacilityTables {
  /** one row per facility dataset (an OGC collection): what the last landed delivery was */
  facility_dataset: {
    id: string;
    title: string;
    description: string;
    agency_id: string;
    reference_date: string;
    source: string;
    licence: string;
    features: number;
    /** the count batch of the delivery that stored the points */
    batch_id: string | null;
    updated_at: Generated<Date>;
  };
  facility: {
    dataset: string;
    /** the id the file gives the feature (e_nr, bsn) */
    id: string;
    name: string | null;
    /** places (Kitas: e_platz) */
    places: number | null;
    schulart: string | null;
    traeger: string | null;
    /** every property of the delivered feature */
    properties: unknown;
    /** Point, EPSG:25833 */
    geom: unknown;
  };
  /** the finest unit with geometry per LOR version that contains the facility */
  facility_lor_unit: {
    dataset: string;
    facility_id: string;
    lor_version: string;
    level: string;
    unit_id: string;
  };
}
