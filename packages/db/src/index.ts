// @datenpool/db: createDb, the migration runner and the Database types.
export type { Capabilities } from './capabilities.ts';
export { estimateRows } from './estimate.ts';
export { crs84Extent, lorUnitGeometry, STORAGE_SRID } from './geometry.ts';
export type { DbConfig } from './config.ts';
export { createDb, type DatabaseHandle, readHandle } from './create-db.ts';
export { type CellColumns, cellColumns, type DisclosureTime, type VersionLinkRow, versionLinks, withheldCells, withheldJoins, withheldReason } from './disclosure.ts';
export { createMigrator, migrateToLatest, migrationsFolder } from './migrate.ts';
export { type ObservationRevisions, observationRevisionsAt } from './revisions.ts';
export { type RowPass, type RowSlices, type RowStreamOptions, SLICE_ROWS, startedStream, streamRows, withRowCursor } from './stream.ts';
export type { Database } from './schema.ts';
export type { IndicatorValueProvenance } from './tables/indicators.ts';
export { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
