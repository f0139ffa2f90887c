// Output format negotiation: the `f` parameter wins, then the Accept header.
import type { FastifyRequest } from 'fastify';
import { BadRequest } from './problems.ts';

/** the formats a route offers, first is the default for clients that state no preference */
export function negotiateFormat<F extends string>(
  request: FastifyRequest,
  offered: readonly F[],
  mediaTypes: Record<F, string[]>,
): F {
  const f = (request.query as Record<string, unknown> | undefined)?.f;
  if (typeof f === 'string' && f !== '') {
    if ((offered as readonly string[]).includes(f)) return f as F;
    throw new BadRequest(`Unknown format f=${f}; offered: ${offered.join(', ')}.`, { name: 'f' });
  }
  const accept = request.headers.accept;
  if (!accept) return offered[0] as F;
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part.trim().split(';');
      const qParam = params.find((p) => p.trim().startsWith('q='));
      const q = qParam ? Number(qParam.trim().slice(2)) : 1;
      return { type: (type ?? '').trim().toLowerCase(), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    for (const format of offered) {
      const types = mediaTypes[format];
      if (types.includes(range.type)) return format;
    }
    if (range.type === '*/*' || range.type === 'application/*') return offered[0] as F;
  }
  return offered[0] as F;
}
