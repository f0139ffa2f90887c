// @datenpool/indicators: indicator values computed from observations; the query functions other services (SDMX) read with.
export { type IndicatorConfig, indicatorConfigFromEnv } from './config.ts';
export { csvColumns, csvwMetadata, valuesCsv } from './csv.ts';
export { type IndicatorDefinition, variablesOf } from './plan.ts';
export { indicatorsService } from './plugin.ts';
export { loadDefinitions } from './queries/catalog.ts';
export {
  findUnit,
  type IndicatorValue,
  indicatorDates,
  querySeries,
  queryValues,
  restrictedVariables,
  unitValues,
  type ValueFilter,
} from './queries/values.ts';
export type { ValueTable } from './queries/work.ts';
export { computeAsOf, ensureFresh, type RecomputeReport, recomputeAll } from './recompute.ts';
export { indicatorLayers } from './layers.ts';
