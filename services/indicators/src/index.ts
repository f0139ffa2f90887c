// @datenpool/indicators: indicator values computed from observations; the query functions other services (SDMX) read with.
export { type IndicatorConfig, indicatorConfigFromEnv, indicatorSettings } from './config.ts';
export { csvColumns, csvwMetadata, valuesCsv } from './csv.ts';
export { type IndicatorDefinition, variablesOf } from './plan.ts';
export { indicatorsDescriptor, indicatorsService } from './plugin.ts';
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
export { computeAsOf, type QueueReport, type RecomputeReport, recomputeAll, recomputeFull, recomputePending } from './recompute.ts';
export { answerFreshness, COMPUTED_AT_HEADER, freshnessHeaders, PENDING_HEADER } from './freshness.ts';
export { freshness as indicatorFreshness } from './queries/queue.ts';
export { drainRecomputeQueue, RECOMPUTE_CHANNEL, RecomputeWorker } from './worker.ts';
export { indicatorLayers } from './layers.ts';
