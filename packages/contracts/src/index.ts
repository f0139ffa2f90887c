// @datenpool/contracts: zod schemas and vocabulary used by more than one service.
export * from './dates.ts';
export * from './formula.ts';
export * from './lor.ts';
