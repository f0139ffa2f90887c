// What opening a database needs: external PostgreSQL or embedded PGlite. Read from the environment by service-kit's
// database settings (packages/service-kit/src/config.ts), which name a bad variable.

export interface DbConfig {
  /** PostgreSQL + PostGIS; unset: embedded PGlite in dataDir */
  databaseUrl?: string | undefined;
  /** a streaming standby of databaseUrl for reads that may lag (features, values, SDMX); unset: reads go to the primary */
  databaseReadUrl?: string | undefined;
  dataDir: string;
  poolMax: number;
  statementTimeoutMs: number;
  /** repeated parameterised statements as named prepared statements (prepared.ts); default true */
  preparedStatements?: boolean;
}
