// The OGC API settings of a process: numberMatched policies per collection (OGC_NUMBER_MATCHED), parsed at start.
import { defineSettings, parsed } from '@datenpool/service-kit';
import { type NumberMatchedPolicy, parseNumberMatchedPolicies } from './matched.ts';

export interface OgcSettings {
  /** the numberMatched policy of a collection id (`exact` where no rule names it) */
  numberMatched: (collectionId: string) => NumberMatchedPolicy;
}

export const ogcSettings = defineSettings({
  name: 'ogc',
  variables: {
    OGC_NUMBER_MATCHED: parsed<(collectionId: string) => NumberMatchedPolicy>({
      expected: 'comma-separated collection=exact|estimate|omit',
      unset: '',
      parse: parseNumberMatchedPolicies,
      refuses: ['lor-2021-bezirk=sometimes', '=exact', 'indicator-*'],
      description:
        'numberMatched per collection where COUNT(*) is too slow: `id=estimate` (planner statistics) or `id=omit`, comma-separated, a trailing `*` matches a prefix (e.g. `indicator-*=estimate`); unnamed collections count exactly (a filtered page in the page\'s own statement, an unfiltered one from the count kept per data version), the last page is always exact, next links never depend on an estimate',
    }),
  },
  assemble: (v): OgcSettings => ({ numberMatched: v.OGC_NUMBER_MATCHED }),
});
