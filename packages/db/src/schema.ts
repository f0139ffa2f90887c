// The typed Kysely Database interface: the truth about tables, one file per area under tables/.
import type { AuditTables } from './tables/audit.ts';
import type { DisclosureTables } from './tables/disclosure.ts';
import type { FacilityTables } from './tables/facilities.ts';
import type { IndicatorTables } from './tables/indicators.ts';
import type { IngestTables } from './tables/ingest.ts';
import type { LorTables } from './tables/lor.ts';
import type { MetadataTables } from './tables/metadata.ts';
import type { PublishedViews } from './tables/published.ts';
import type { ReleaseTables } from './tables/releases.ts';

export interface Database
  extends AuditTables,
    LorTables,
    MetadataTables,
    IngestTables,
    IndicatorTables,
    FacilityTables,
    DisclosureTables,
    ReleaseTables,
    PublishedViews {}
