// What the connected database can do, probed once at start instead of try/catch at each call.
import { type Kysely, sql } from 'kysely';

export interface Capabilities {
  /** which engine answers: an external PostgreSQL server or the embedded PGlite */
  engine: 'postgres' | 'pglite';
  postgisVersion: string;
  /** ST_AsMVT (vector tiles) works; PGlite's PostGIS is built without protobuf-c */
  mvt: boolean;
  /** rows can be streamed with a server-side cursor */
  streaming: boolean;
}

async function probe(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch {
    return false;
  }
}

export async function detectCapabilities(
  db: Kysely<unknown>,
  engine: Capabilities['engine'],
): Promise<Capabilities> {
  const version = await sql<{ v: string }>`select postgis_lib_version() as v`.execute(db);
  const mvt = await probe(() =>
    sql`select ST_AsMVT(q) from (select 1 as a,
          ST_AsMVTGeom(ST_MakePoint(1, 1), ST_MakeEnvelope(0, 0, 10, 10)) as geom) q`.execute(db),
  );
  return {
    engine,
    postgisVersion: version.rows[0]?.v ?? 'unknown',
    mvt,
    streaming: engine === 'postgres',
  };
}
