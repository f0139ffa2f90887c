// Tables of the observations' disclosure control (migration 0057; written by services/ingest, read by every reader).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface DisclosureTables {
  /** a cell withheld from public readers, valid in transaction time like an observation revision */
  observation_withheld: {
    variable_id: string;
    lor_version: string;
    ref_date: string;
    unit_id: string;
    breakdown: string;
    reason: 'disclosure' | 'secondary';
    valid_from: Generated<Date>;
    valid_to: Timestamp | null;
  };
  /** a variable's date whose cells wait for an evaluation (open while until is null) */
  disclosure_pending: {
    variable_id: string;
    ref_date: string;
    since: Generated<Date>;
    until: Timestamp | null;
  };
  /** view: current observations with withheld values left out (status `suppressed`, suppression the reason) */
  observation_published: {
    id: string;
    variable_id: string;
    lor_version: string;
    level: string;
    unit_id: string;
    ref_date: string;
    breakdown: string;
    value: number | null;
    deleted: boolean;
    status: 'provisional' | 'final' | 'estimated' | 'suppressed';
    suppression: 'disclosure' | 'secondary' | 'pending' | null;
    batch_id: string;
    valid_from: Date;
    valid_to: Date | null;
  };
}
