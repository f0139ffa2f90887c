// The contract between the bench runner and its scenarios.
import type { DatabaseHandle } from '@datenpool/db';

export interface BenchContext {
  /** the gateway, listening on a real socket over a real PostGIS */
  baseUrl: string;
  database: DatabaseHandle;
}

export interface BenchScenario {
  name: string;
  setup?(ctx: BenchContext): Promise<void>;
  /** the HTTP request measured with autocannon */
  request: { path: string };
  /** the work the endpoint wraps (the raw SQL producing the same body), measured in-process */
  reference(ctx: BenchContext): Promise<void>;
}
