// The audit trail through the API (admin): every write with who, what and when, filtered and paged.
import { instantSchema } from '@datenpool/contracts';
import { type App, problemResponses, requireScope, Unprocessable } from '@datenpool/service-kit';
import { z } from 'zod';
import { listAudit } from '../queries/audit.ts';

export const auditQuery = z
  .object({
    actor: z.string().min(1).max(200).optional().describe('who: `key:<key id>` or `system`'),
    action: z
      .string()
      .regex(/^[a-z][a-z0-9_.]*(\.\*)?$/, 'an action such as `indicator.update`, or a family such as `indicator.*`')
      .max(100)
      .optional()
      .describe('what: `indicator.update`, or `indicator.*` for every action on indicators'),
    target: z.string().min(1).max(300).optional().describe('on what: `indicator:<id>`, `variable:<id>`, `api_key:<id>`, …'),
    from: instantSchema.optional().describe('entries at or after this instant'),
    to: instantSchema.optional().describe('entries before this instant'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().describe('the cursor of the next page: entries with a smaller id'),
  })
  .strict();

const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  detail: z.unknown().describe('what was written (never a key or a secret)'),
});

const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema).describe('newest first'),
  next: z.string().nullable().describe('the URL of the next (older) page, or null'),
});

export async function auditRoutes(app: App): Promise<void> {
  app.get(
    '/v1/admin/audit',
    {
      onRequest: requireScope('admin'),
      schema: {
        tags: ['access'],
        security: [{ apiKey: [] }],
        summary: 'The audit trail (admin): every write, filtered by actor, action, target and time, newest first',
        querystring: auditQuery,
        response: { 200: auditPageSchema, ...problemResponses(400, 401, 403, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.from && q.to && new Date(q.from).getTime() > new Date(q.to).getTime()) {
        throw new Unprocessable(`from (${q.from}) is after to (${q.to}).`, { invalidParams: [{ pointer: '/query/from', name: 'from', reason: 'after to' }] });
      }
      const { entries, more } = await listAudit(app.database.db, q);
      const last = entries.at(-1);
      let next: string | null = null;
      if (more && last) {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(q)) if (v !== undefined && k !== 'before') params.set(k, String(v));
        params.set('before', String(last.id));
        next = `/v1/admin/audit?${params.toString()}`;
      }
      return { entries, next };
    },
  );
}
