// Foundation: the cost of the HTTP stack around the smallest database round trip.
import { sql } from '@datenpool/db';
import type { BenchScenario } from '../types.ts';

export const scenarios: BenchScenario[] = [
  {
    name: 'GET /ready (select 1)',
    request: { path: '/ready' },
    reference: async ({ database }) => {
      await sql`select 1`.execute(database.db);
    },
  },
];
