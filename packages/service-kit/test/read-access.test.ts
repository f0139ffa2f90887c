// The one read rule and the key-in-URL helpers as pure functions: every kind of principal against every kind of resource.
import t from 'tap';
import { keyInUrl, type Principal, redactUrlSecrets } from '../src/auth.ts';
import type { HttpProblem } from '../src/problems.ts';
import { assertMayRead, mayRead, mayReadAll, type ReadResource } from '../src/read-access.ts';

const principal = (scopes: Principal['scopes'], agencyId: string | null = null, readGrants: string[] = []): Principal => ({
  keyId: 'k',
  agencyId,
  scopes,
  label: 'test',
  readGrants,
});
const esu: ReadResource = { id: 'esu_uebergewicht', agencyId: 'senwgp', access: 'restricted' };
const police: ReadResource = { id: 'delinquente_jugendliche', agencyId: 'polizei', access: 'restricted' };
const open: ReadResource = { id: 'einwohner', agencyId: 'afs', access: 'public' };

t.test('who may read a restricted variable', async (t) => {
  const cases: Array<[string, Principal | null, ReadResource, boolean]> = [
    ['anyone reads public data', null, open, true],
    ['anonymous, restricted', null, esu, false],
    ['a key with write scopes only', principal(['metadata:write', 'ingest:write'], 'senwgp'), esu, false],
    ['admin reads everything', principal(['admin']), police, true],
    ['read:restricted of no agency reads every agency', principal(['read:restricted']), police, true],
    ['read:restricted of the variable’s agency', principal(['read:restricted'], 'senwgp'), esu, true],
    ['read:restricted of another agency', principal(['read:restricted'], 'senwgp'), police, false],
    ['an agency grant', principal(['ingest:write'], null, ['agency:senwgp']), esu, true],
    ['an agency grant for another agency', principal(['ingest:write'], null, ['agency:senwgp']), police, false],
    ['a variable grant', principal([], null, [`variable:${police.id}`]), police, true],
    ['a variable grant for another variable', principal([], null, [`variable:${police.id}`]), esu, false],
    ['a grant naming the agency as a variable does not count', principal([], null, ['variable:senwgp']), esu, false],
  ];
  for (const [why, who, what, expected] of cases) t.equal(mayRead(who, what), expected, why);
  t.equal(mayReadAll(principal([], null, ['agency:senwgp']), [esu, open]), true, 'an indicator over one restricted agency and public data');
  t.equal(mayReadAll(principal([], null, ['agency:senwgp']), [esu, police]), false, 'every restricted input is needed');
});

t.test('401 without a key, 403 with a key lacking the grant, both naming what', async (t) => {
  const thrown = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      return err as HttpProblem;
    }
    return undefined;
  };
  const anonymous = thrown(() => assertMayRead(null, esu, 'Variable esu_uebergewicht'));
  t.equal(anonymous?.status, 401);
  t.match(anonymous?.message, /Variable esu_uebergewicht is restricted/);
  const lacking = thrown(() => assertMayRead(principal(['ingest:write'], 'afs'), [esu, police, open], 'Indicator x'));
  t.equal(lacking?.status, 403);
  t.match(lacking?.message, /restricted variables: esu_uebergewicht, delinquente_jugendliche/);
  t.equal(thrown(() => assertMayRead(principal(['admin']), [esu, police], 'Indicator x')), undefined);
  t.equal(thrown(() => assertMayRead(null, open, 'Variable einwohner')), undefined);
});

t.test('keys in URLs: found by name or by shape, redacted for logs', async (t) => {
  const key = 'dp_AbCdEf1234_abcdefghijklmnopqrstuvwxyz0123456789AB';
  t.equal(keyInUrl(`/v1/x?api_key=${key}`), 'api_key');
  t.equal(keyInUrl('/v1/x?ACCESS_TOKEN=abc'), 'ACCESS_TOKEN');
  t.equal(keyInUrl(`/v1/x?a=1&q=${encodeURIComponent(key)}`), 'q', 'a key-shaped value under any name');
  t.equal(keyInUrl('/v1/x?status=active&limit=10'), undefined);
  t.equal(keyInUrl('/v1/x?key=einwohner'), undefined, 'a parameter named key with an ordinary value is not a key');
  t.equal(redactUrlSecrets(`/v1/x?status=active&api_key=${key}&token=t0k`), '/v1/x?status=active&api_key=[redacted]&token=[redacted]');
  t.equal(redactUrlSecrets(`/v1/x?q=${key}`), '/v1/x?q=[redacted]');
  t.equal(redactUrlSecrets('/v1/x?limit=5'), '/v1/x?limit=5');
  t.equal(redactUrlSecrets('/v1/x?bad=%E0%A4%A'), '/v1/x?bad=%E0%A4%A', 'malformed encoding is judged on the raw text');
});
