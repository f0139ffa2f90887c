// @datenpool/metadata: Metadata and access control.
export { metadataService } from './plugin.ts';
export { releasesExtension } from './routes/releases.ts';
