// Release bundles that were built (migration 0062): one zip per data state, listed in the DCAT catalogue.
import type { ColumnType, Generated } from 'kysely';

export interface ReleaseMember {
  path: string;
  mediaType: string;
  bytes: number;
  sha256: string;
}

export interface ReleaseTables {
  data_release: {
    id: string;
    state: ColumnType<Record<string, unknown>, string, string>;
    sha256: string;
    /** bigint: pg gives it as text */
    byte_size: ColumnType<string, number, number>;
    members: ColumnType<ReleaseMember[], string, string>;
    built_at: Generated<Date>;
  };
}
