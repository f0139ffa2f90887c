// @datenpool/viewer: the map viewer and unit profiles in the browser.
export { viewerService } from './plugin.ts';
