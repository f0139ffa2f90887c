// The codelists of the facade: indicators, variables, LOR units per version (with parents), breakdowns, status codes.
import type { Database, Kysely } from '@datenpool/db';
import { breakdownCode, breakdownName, confStatusCodes, obsStatusCodes } from './codes.ts';
import { attributes, type Catalog, type Code, type Codelist, type Dsd, type Names } from './model.ts';
import { indicatorBreakdowns, lorUnits } from './queries/catalog.ts';

function names(de: string, en: string): Names {
  return { de, en };
}

/** the codelists a set of DSDs uses, in a stable order */
export function codelistIdsOf(dsds: Dsd[]): string[] {
  const ids = new Set<string>();
  for (const dsd of dsds) for (const d of dsd.dimensions) ids.add(d.codelist);
  for (const a of attributes) if (a.codelist) ids.add(a.codelist);
  return [...ids];
}

export function allCodelistIds(catalog: Catalog): string[] {
  return codelistIdsOf(catalog.dsds);
}

/** one codelist with its codes; undefined for an unknown id */
export async function buildCodelist(db: Kysely<Database>, catalog: Catalog, id: string): Promise<Codelist | undefined> {
  switch (id) {
    case 'CL_INDICATOR':
      return {
        id,
        names: names('Indikatoren', 'Indicators'),
        codes: catalog.indicators.map((i) => ({ id: i.id, names: names(i.label_de, i.label_en) })),
      };
    case 'CL_VARIABLE':
      return {
        id,
        names: names('Fachdaten (öffentlich)', 'Variables (public)'),
        codes: catalog.variables.map((v) => ({ id: v.id, names: names(v.label_de, v.label_en) })),
      };
    case 'CL_BREAKDOWN': {
      const canonical = ['', ...catalog.breakdowns.values(), ...(await indicatorBreakdowns(db))];
      const seen = new Set<string>();
      const codes: Code[] = [];
      for (const c of canonical) {
        const code = breakdownCode(c);
        if (seen.has(code)) continue;
        seen.add(code);
        codes.push({ id: code, names: names(breakdownName(c, 'de'), breakdownName(c, 'en')) });
      }
      return { id, names: names('Untergliederungen', 'Breakdowns'), codes };
    }
    case 'CL_OBS_STATUS':
      return { id, names: names('Beobachtungsstatus (aus SDMX:CL_OBS_STATUS)', 'Observation status (from SDMX:CL_OBS_STATUS)'), codes: obsStatusCodes.map((c) => ({ id: c.id, names: names(c.de, c.en) })) };
    case 'CL_CONF_STATUS':
      return { id, names: names('Geheimhaltungsstatus (aus SDMX:CL_CONF_STATUS)', 'Confidentiality status (from SDMX:CL_CONF_STATUS)'), codes: confStatusCodes.map((c) => ({ id: c.id, names: names(c.de, c.en) })) };
  }
  const lor = /^CL_LOR_(\d{4})$/.exec(id);
  if (lor && catalog.versions.includes(lor[1] as string)) {
    const units = await lorUnits(db, lor[1] as string);
    return {
      id,
      names: names(`LOR-Räume ${lor[1]}`, `LOR units ${lor[1]}`),
      codes: units.map((u) => ({ id: u.id, names: names(u.name, u.name), parent: u.parent_id ?? undefined })),
    };
  }
  return undefined;
}
