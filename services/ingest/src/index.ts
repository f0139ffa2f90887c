// @datenpool/ingest: Ingestion.
export { ingestService } from './plugin.ts';
