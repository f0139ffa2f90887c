// The audit trail of every write (who, when, what).
import type { Generated } from 'kysely';

export interface AuditTables {
  audit_log: {
    id: Generated<number>;
    at: Generated<Date>;
    actor: string;
    action: string;
    target: string;
    detail: unknown | null;
  };
}
