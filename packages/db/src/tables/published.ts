// Views every reader shares (migration 0060): indicator values as the public sees them, the current observation revisions.
import type { IndicatorTables } from './indicators.ts';
import type { IngestTables } from './ingest.ts';

export interface PublishedViews {
  /** indicator_value with value, numerator and denominator NULL where the status is suppressed */
  indicator_value_published: IndicatorTables['indicator_value'];
  /** the current revision of every observation key (valid_to IS NULL; a deletion is one with deleted = true) */
  observation_current: IngestTables['observation'];
}
