// @datenpool/geometry: LOR geometry and OGC API Features.
export { geometryService } from './plugin.ts';
