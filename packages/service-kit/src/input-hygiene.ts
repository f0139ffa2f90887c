// Input every route refuses before its own validation: NUL characters and malformed percent-encoding in the URL,
// NUL characters, lone surrogates and excessive nesting in JSON bodies. Each is a 400 problem naming where it is;
// without this they reached the database (a NUL in a text parameter is a PostgreSQL error: a 500) or the stack.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, HttpProblem } from './problems.ts';

/** deeper JSON than any contract of the API needs; deeper bodies are refused before anything walks them recursively */
export const MAX_JSON_DEPTH = 64;

const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** the URL's path and query, decoded part by part: throws a problem for what no parameter may hold */
export function checkUrl(url: string): void {
  const [path = '', query = ''] = url.split('?', 2);
  const parts: Array<{ text: string; where: string }> = [
    ...path.split('/').map((text) => ({ text, where: 'path' })),
    ...query.split('&').flatMap((pair) => pair.split('=').map((text) => ({ text, where: 'query' }))),
  ];
  for (const { text, where } of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      throw new BadRequest(`The ${where} has malformed percent-encoding: ${JSON.stringify(text.slice(0, 40))}.`, { name: 'url', in: where === 'path' ? 'path' : 'query' });
    }
    if (decoded.includes(NUL)) throw new BadRequest(`The ${where} contains a NUL character (%00).`, { name: 'url', in: where === 'path' ? 'path' : 'query' });
    if (LONE_SURROGATE.test(decoded)) throw new BadRequest(`The ${where} contains an unpaired UTF-16 surrogate.`, { name: 'url', in: where === 'path' ? 'path' : 'query' });
  }
}

/**
 * the first place in a parsed JSON body that no contract accepts: a string with NUL or a lone surrogate, or nesting
 * deeper than MAX_JSON_DEPTH; walked without recursion, so a body nested 20 000 deep cannot overflow the stack
 */
export function jsonBodyFault(body: unknown): { pointer: string; reason: string } | undefined {
  const stack: Array<{ value: unknown; pointer: string; depth: number }> = [{ value: body, pointer: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return { pointer, reason: 'contains a NUL character' };
      if (LONE_SURROGATE.test(value)) return { pointer, reason: 'contains an unpaired UTF-16 surrogate' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { pointer, reason: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      if (key.includes(NUL) || LONE_SURROGATE.test(key)) return { pointer: `${pointer}/${key.split(NUL).join('\\u0000')}`, reason: 'has a key with a NUL character or an unpaired surrogate' };
      stack.push({ value: child, pointer: `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth: depth + 1 });
    }
  }
  return undefined;
}

export function registerInputHygiene(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    checkUrl(request.url);
  });
  app.addHook('preValidation', async (request: FastifyRequest) => {
    // parsed JSON only: plain objects and arrays (streamed bodies such as a CSV push are parsed, and checked, by their route)
    const body = request.body;
    if (body === null || typeof body !== 'object') return;
    if (!Array.isArray(body) && Object.getPrototypeOf(body) !== Object.prototype && Object.getPrototypeOf(body) !== null) return;
    const fault = jsonBodyFault(body);
    if (fault) {
      throw new HttpProblem(400, 'validation', 'Invalid request', `/body${fault.pointer}: ${fault.reason}.`, {
        invalidParams: [{ pointer: `/body${fault.pointer}`, reason: fault.reason }],
      });
    }
  });
}
