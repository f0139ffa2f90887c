// @datenpool/service-kit: the one Fastify factory, problem+json errors, config and lifecycle.
export { type App, type CreateAppOptions, createApp, publicBaseUrl } from './app.ts';
export {
  baseSettings,
  databaseSettings,
  type ProcessConfig,
  processConfigFromEnv,
  type ServiceConfig,
  serviceConfigFromEnv,
  serviceSettings,
  settingsOf,
} from './config.ts';
export {
  ConfigurationError,
  defineSettings,
  duration,
  flag,
  headerValue,
  integer,
  list,
  oneOf,
  parsed,
  readGroup,
  readSettings,
  type Setting,
  type SettingFamily,
  type SettingProblem,
  type SettingRow,
  type SettingsGroup,
  settingsRows,
  settingsTable,
  text,
  uniqueGroups,
  url,
} from './settings.ts';
export { type CsvDialect, type CsvFormat, csvCell, csvChunks, csvDocument, csvHeader, csvLine, isFormulaLike, rfc4180 } from './csv.ts';
export { PROBLEM_JSON, sendProblem } from './error-handler.ts';
export { type DatasetProgress, type LoadingReport, LoadingState } from './loading.ts';
export { openProcessContext, type ProcessContext, serveUntilSignal } from './lifecycle.ts';
export { type PeriodicOptions, runPeriodically } from './periodic.ts';
export { problemResponses, problemSchema } from './openapi.ts';
export * from './problems.ts';
export type { ZodTypeProvider } from 'fastify-type-provider-zod';
export { escapeHtml, html, type PageOptions, renderPage, SafeHtml, sendHtml } from './html.ts';
export { negotiateFormat } from './negotiate.ts';
export {
  buildServiceApp,
  type LandingLink,
  runStandalone,
  type ServiceCollectionProvider,
  type ServiceCollectionTypes,
  type ServiceDescriptor,
} from './service.ts';
export {
  audit,
  authenticate,
  createVerifiedKeys,
  ensureKey,
  generateKey,
  hasScope,
  hashKey,
  isVerifiedKey,
  keyPrefix,
  type Principal,
  keyInUrl,
  principalForKey,
  redactUrlSecrets,
  refuseKeysInUrl,
  requireScope,
  resolveKey,
  type Scope,
  scopes,
  type VerifiedKeys,
} from './auth.ts';
export { assertMayRead, mayRead, mayReadAll, type ReadResource, readGrantPattern, variableAccess } from './read-access.ts';
