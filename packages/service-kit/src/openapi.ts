// OpenAPI pieces every route uses: the problem+json response schema.
import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    invalidParams: z
      .array(z.object({ pointer: z.string(), name: z.string().optional(), reason: z.string() }))
      .optional(),
  })
  .passthrough()
  .describe('RFC 9457 problem details (application/problem+json)');

const descriptions: Record<number, string> = {
  400: 'Bad request: a parameter or the body is invalid',
  401: 'Missing or invalid API key',
  403: 'The API key may not do this',
  404: 'Not found',
  406: 'Not acceptable',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content (row-level errors)',
  429: 'Too many requests',
  502: 'Upstream service unavailable',
  503: 'Service unavailable',
  504: 'Upstream service timed out',
};

/** response entries for the given statuses, all application/problem+json */
export function problemResponses<S extends number>(...statuses: S[]): Record<S, typeof problemSchema> {
  const out = {} as Record<S, typeof problemSchema>;
  for (const status of statuses) out[status] = problemSchema.describe(descriptions[status] ?? 'Problem');
  return out;
}
