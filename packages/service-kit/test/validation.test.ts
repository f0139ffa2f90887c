// The validator's fast path for objects of plain strings answers exactly as zod's parse: the same value, and where it
// does not accept an input, zod's own error.
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import t from 'tap';
import { z } from 'zod';
import { plainStringFields, validatorCompiler } from '../src/validation.ts';

const route = (schema: unknown) => ({ schema, method: 'GET', url: '/x', httpPart: 'querystring' }) as never;

const items = z.object({
  f: z.string().optional().describe('format'),
  limit: z.string().optional().meta({ type: 'integer', minimum: 1 }),
  bbox: z.string().optional(),
  id: z.string().describe('required'),
});

t.test('which schemas take the fast path', async (t) => {
  t.same(plainStringFields(items), [
    { name: 'f', required: false },
    { name: 'limit', required: false },
    { name: 'bbox', required: false },
    { name: 'id', required: true },
  ]);
  const slow = {
    'a check': z.object({ a: z.string().min(2) }),
    'an enum': z.object({ f: z.enum(['json', 'html']).optional() }),
    'a default': z.object({ a: z.string().optional().default('x') }),
    coercion: z.object({ a: z.coerce.string() }),
    'a strict object': z.object({ a: z.string() }).strict(),
    'a loose object': z.looseObject({ a: z.string() }),
    'a refinement': z.object({ a: z.string() }).refine((v) => v.a !== 'x'),
    'a transform': z.object({ a: z.string().transform((v) => v.length) }),
    'a number': z.object({ a: z.number() }),
    'no object': z.string(),
  };
  for (const [what, schema] of Object.entries(slow)) t.equal(plainStringFields(schema), undefined, `not with ${what}`);
});

t.test('the fast path gives what zod gives, for accepted and refused inputs alike', async (t) => {
  const fast = validatorCompiler(route(items));
  const zod = zodValidatorCompiler(route(items));
  const inputs: unknown[] = [
    { id: 'a' },
    { id: 'a', f: 'json', limit: '10', bbox: '1,2,3,4' },
    { limit: '10', id: 'x', unknown: 'dropped', f: 'html' },
    { id: '' },
    {},
    { f: 'json' },
    { id: ['a', 'b'] },
    { id: 'a', limit: ['1', '2'] },
    { id: 'a', bbox: 5 },
    { id: 'a', f: undefined },
    { id: null },
    null,
    'text',
    ['id'],
    Object.assign(Object.create(null), { id: 'n', limit: '3' }),
  ];
  for (const input of inputs) {
    const a = fast(input) as { value?: unknown; error?: Error };
    const b = zod(input) as { value?: unknown; error?: Error };
    const label = JSON.stringify(input) ?? String(input);
    t.same(a.value, b.value, `${label}: the same value`);
    t.same(Object.keys((a.value ?? {}) as object), Object.keys((b.value ?? {}) as object), `${label}: in the same order`);
    t.equal(a.error?.message, b.error?.message, `${label}: the same error`);
    t.equal(a.error === undefined, b.error === undefined, `${label}: accepted alike`);
  }
});

t.test('other schemas are zod itself', async (t) => {
  const schema = z.object({ f: z.enum(['json', 'html']).optional() });
  const fast = validatorCompiler(route(schema));
  t.same((fast({ f: 'json' }) as { value: unknown }).value, { f: 'json' });
  t.ok((fast({ f: 'xml' }) as { error?: unknown }).error, 'refused by zod');
});
