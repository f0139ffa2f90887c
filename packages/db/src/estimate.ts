// The planner's estimate of a query's rows: what numberMatched `estimate` policies answer instead of a COUNT(*).
import { type Kysely, type RawBuilder, sql } from 'kysely';

/** rows the planner expects `query` to return (from table statistics; no rows are read) */
export async function estimateRows(db: Kysely<any>, query: RawBuilder<unknown>): Promise<number> {
  const { rows } = await sql<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> | string }>`EXPLAIN (FORMAT JSON) ${query}`.execute(db);
  const plan = rows[0]?.['QUERY PLAN'];
  const parsed = typeof plan === 'string' ? (JSON.parse(plan) as Array<{ Plan: { 'Plan Rows': number } }>) : plan;
  return Math.round(parsed?.[0]?.Plan['Plan Rows'] ?? 0);
}
