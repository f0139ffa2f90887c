// @datenpool/metadata: Metadata and access control.
export { metadataService } from './plugin.ts';
