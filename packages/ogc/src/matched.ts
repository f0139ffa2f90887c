// numberMatched by a collection's policy: exact where COUNT(*) is cheap, the planner's estimate or nothing where it is
// not. The operator sets policies per collection id (a trailing * matches a prefix) in OGC_NUMBER_MATCHED, e.g.
// `indicator-*=estimate,lor-bench-*=omit`; collections not named count exactly.
import type { Page } from './paging.ts';
import type { ItemsSummary } from './provider.ts';

export type NumberMatchedPolicy = 'exact' | 'estimate' | 'omit';

const POLICIES: readonly NumberMatchedPolicy[] = ['exact', 'estimate', 'omit'];

/** parses `id=policy,…`; a malformed setting is an error at start, not a silent default */
export function parseNumberMatchedPolicies(spec: string | undefined): (collectionId: string) => NumberMatchedPolicy {
  const rules: Array<{ pattern: string; prefix: boolean; policy: NumberMatchedPolicy }> = [];
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [pattern, policy] = part.split('=').map((s) => s.trim());
    if (!pattern || !POLICIES.includes(policy as NumberMatchedPolicy)) {
      throw new Error(`OGC_NUMBER_MATCHED: "${part}" is not collection=${POLICIES.join('|')}`);
    }
    const prefix = pattern.endsWith('*');
    rules.push({ pattern: prefix ? pattern.slice(0, -1) : pattern, prefix, policy: policy as NumberMatchedPolicy });
  }
  return (id) => rules.find((r) => (r.prefix ? id.startsWith(r.pattern) : id === r.pattern))?.policy ?? 'exact';
}

/**
 * the summary of a page: numberReturned, and numberMatched by the policy. A page that is not full ends the set, so its
 * end is exact for free; otherwise the policy decides between COUNT(*), the planner's estimate and nothing.
 */
export async function itemsSummary(
  policy: NumberMatchedPolicy,
  page: Page,
  numberReturned: number,
  count: { exact(): Promise<number>; estimate(): Promise<number> },
): Promise<ItemsSummary> {
  const lastPage = numberReturned < page.limit && (numberReturned > 0 || page.offset === 0);
  if (lastPage) return { numberReturned, numberMatched: page.offset + numberReturned };
  if (policy === 'exact') return { numberReturned, numberMatched: await count.exact() };
  if (policy === 'estimate') {
    // an estimate below what the pages already showed would be plainly wrong
    return { numberReturned, numberMatched: Math.max(await count.estimate(), page.offset + numberReturned) };
  }
  return { numberReturned };
}
