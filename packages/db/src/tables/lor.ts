// Tables of the LOR spatial reference (owned by services/geometry).
import type { Generated, GeneratedAlways } from 'kysely';

export interface LorTables {
  lor_version: {
    version: string;
    label: string;
    valid_from: string;
    valid_to: string | null;
    /** moves on every change of the version's units (migration 0010); ETag and Last-Modified */
    updated_at: Generated<Date>;
  };
  lor_unit: {
    version: string;
    level: string;
    id: string;
    name: string;
    parent_id: string | null;
    area_m2: number | null;
    /** EPSG:25833; null for a unit imported without geometry (every bundled unit has one) */
    geom: unknown | null;
    /** the geometry as GeoJSON in CRS84 at 7 decimals, generated from geom (migration 0042) */
    geojson_crs84: GeneratedAlways<string | null>;
    updated_at: Generated<Date>;
  };
  /** 2006 ↔ 2021 weights per level (migration 0050); both directions */
  lor_crosswalk: {
    from_version: string;
    to_version: string;
    level: string;
    from_id: string;
    to_id: string;
    weight: number;
    overlap_m2: number;
    share_of_from: number;
    share_of_to: number;
    method: string;
    source: string;
  };
}
