// The typed Kysely Database interface: the truth about tables, one file per area under tables/.
import type { AuditTables } from './tables/audit.ts';
import type { LorTables } from './tables/lor.ts';

export interface Database extends AuditTables, LorTables {}
