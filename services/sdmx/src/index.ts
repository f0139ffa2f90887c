// @datenpool/sdmx: the SDMX facade (SDMX REST 2.1 structure and data queries over indicators and observations).
export { sdmxService } from './plugin.ts';
