// The contract between the bench runner and its scenarios.
import type { DatabaseHandle } from '@datenpool/db';

export interface BenchContext {
  /** the gateway, listening on a real socket over a real PostGIS */
  baseUrl: string;
  database: DatabaseHandle & { url: string };
  /** the OGC API root of the peer MapServer where a scenario of the run names a peer */
  peerUrl?: string;
}

export interface BenchScenario {
  name: string;
  setup?(ctx: BenchContext): Promise<void>;
  /** the HTTP request measured with autocannon */
  request: { path: string };
  /** the work the endpoint wraps (the raw SQL producing the same body), measured in-process */
  reference(ctx: BenchContext): Promise<void>;
  /**
   * the same request to a peer server over the same rows (MapServer 8, OGC API Features), measured like the service:
   * the path under the peer's OGC API root, e.g. `/collections/x/items?f=json&limit=100`
   */
  peer?: { path: string };
  /** every connection's first requests (service, reference and peer) answered before the clock starts */
  warm?: boolean;
}

/** a layer of the peer MapServer: an SQL view of lor_unit (modules in scenarios/ may export `peerLayers`) */
export interface PeerLayerSpec {
  name: string;
  /** WHERE clause over lor_unit, literal SQL of the bench's own constants */
  where: string;
}

/** a measurement that is not one HTTP GET (bulk uploads, recomputes): the scenario measures both sides */
export interface BenchMeasurement {
  name: string;
  /** what was measured and its unit, e.g. `rows/s` or `s` */
  unit: string;
  value: number;
  reference: number;
  /** true where a smaller value is better (durations): the ratio is then reference ÷ value */
  lowerIsBetter?: boolean;
}

/** modules in scenarios/ may export this beside `scenarios` */
export type MeasureFn = (ctx: BenchContext) => Promise<BenchMeasurement[]>;
