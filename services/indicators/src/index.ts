// @datenpool/indicators: Indicators.
export { indicatorsService } from './plugin.ts';
