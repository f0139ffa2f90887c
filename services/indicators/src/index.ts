// @datenpool/indicators: indicator values computed from observations; what the gateway mounts, what the SDMX facade
// computes and reads with, and what the test support drives.
export { type IndicatorConfig, indicatorConfigFromEnv, indicatorSettings } from './config.ts';
export { indicatorsDescriptor, indicatorsService } from './plugin.ts';
export { computeAsOf, type QueueReport } from './engine/recompute.ts';
export { freshnessHeaders } from './freshness.ts';
export { freshness as indicatorFreshness } from './queries/queue.ts';
export { drainRecomputeQueue } from './worker.ts';
export { indicatorLayers } from './layers.ts';
