// DCAT-AP.de description of the catalog: every variable and indicator as a dcat:Dataset, as JSON-LD and Turtle.
import jsonld from 'jsonld';
import { Parser, Writer } from 'n3';
import { type LorCollectionRef, lorSeries, type ReleaseRef, releaseSeries } from './dcat-files.ts';
import { berlin, type CatalogScope, common, type DistributionLicence, eu, langs, licenceUri, ref, typed } from './dcat-vocabulary.ts';
import type { IndicatorRecord } from './queries/indicators.ts';
import type { VariableOut } from './schemas.ts';

export { licenceUri };

export const dcatContext = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  adms: 'http://www.w3.org/ns/adms#',
  dcatde: 'http://dcat-ap.de/def/dcatde/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  spdx: 'http://spdx.org/rdf/terms#',
};

const licences: Record<string, string> = { 'dl-de/by-2-0': licenceUri, 'dl-de/zero-2-0': 'http://dcat-ap.de/def/licenses/dl-zero-de/2.0' };
const frequencies: Record<string, string> = {
  annual: 'ANNUAL',
  semiannual: 'ANNUAL_2',
  biennial: 'BIENNIAL',
  quarterly: 'QUARTERLY',
  monthly: 'MONTHLY',
  irregular: 'IRREG',
};
/** EU data themes: by the delivering agency for variables, by Zielbereich for indicators */
const agencyThemes: Record<string, string> = { senbjf: 'EDUC', senwgp: 'HEAL', sensbw: 'REGI', ba: 'ECON', polizei: 'JUST' };
const zielbereichThemes: Record<string, string> = { Kinder: 'EDUC', Wohnen: 'REGI' };

export interface DcatInput {
  base: string;
  agencies: Array<{ id: string; name: string; contact: string | null }>;
  variables: VariableOut[];
  /** every variable's agency (restricted ones too), for naming the sources of an indicator */
  allVariableAgencies: Array<[string, string]>;
  indicators: Array<IndicatorRecord & { access: 'public' | 'restricted'; inputs: string[] }>;
  periods: Map<string, { from: string; to: string }>;
  /** the LOR collections (`lor-{version}-{level}`), downloadable as GeoPackage and CSV */
  lorCollections?: LorCollectionRef[];
  /** the current release bundle; its SHA-256 and size once it was built */
  release?: ReleaseRef;
}

function distribution(datasetIri: string, key: string, title: string, url: string, format: 'JSON' | 'CSV' | 'GEOJSON', mediaType: string, terms: DistributionLicence) {
  return {
    '@id': `${datasetIri}#${key}`,
    '@type': 'dcat:Distribution',
    'dct:title': title,
    'dcat:accessURL': ref(url),
    ...(format === 'CSV' ? { 'dcat:downloadURL': ref(url) } : {}),
    'dct:format': ref(`${eu}/file-type/${format}`),
    'dcat:mediaType': ref(`https://www.iana.org/assignments/media-types/${mediaType}`),
    'dct:license': ref(terms.licence),
    ...(terms.licence === licenceUri ? { 'dcatde:licenseAttributionByText': terms.attribution } : {}),
    ...(format === 'GEOJSON' ? { 'dct:conformsTo': ref('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson') } : {}),
  };
}

function temporal(period: { from: string; to: string } | undefined) {
  if (!period) return {};
  return {
    'dct:temporal': {
      '@type': 'dct:PeriodOfTime',
      'dcat:startDate': typed(period.from, 'xsd:date'),
      'dcat:endDate': typed(period.to, 'xsd:date'),
    },
  };
}

/** values of an indicator exist where all its inputs overlap */
function overlap(periods: Map<string, { from: string; to: string }>, inputs: string[]) {
  const spans = inputs.map((v) => periods.get(v));
  if (spans.length === 0 || spans.some((s) => !s)) return undefined;
  const from = spans.map((s) => s?.from as string).sort().at(-1) as string;
  const to = spans.map((s) => s?.to as string).sort()[0] as string;
  return from <= to ? { from, to } : undefined;
}

function scopeOf(input: DcatInput): CatalogScope {
  const { base } = input;
  const agencies = new Map(input.agencies.map((a) => [a.id, a]));
  return {
    base,
    agencyIri: (id) => `${base}/v1/agencies/${id}`,
    agencyName: (id) => agencies.get(id)?.name ?? id,
    contact: (agencyId) => {
      const agency = agencies.get(agencyId);
      return {
        '@type': 'vcard:Organization',
        'vcard:fn': agency?.name ?? agencyId,
        ...(agency?.contact ? { 'vcard:hasURL': ref(agency.contact) } : {}),
      };
    },
  };
}

function variableDataset(scope: CatalogScope, v: VariableOut, periods: DcatInput['periods']) {
  const { base } = scope;
  const iri = `${base}/v1/variables/${v.id}`;
  const licence = licences[v.licence] ?? licenceUri;
  const agencyName = scope.agencyName(v.agencyId);
  const terms = { licence, attribution: `Datenpool Berlin; Quelle: ${agencyName}` };
  const facts = `unit ${v.unit}, finest LOR level ${v.finestLevel}, reference date ${v.referenceDate}, delivered by ${agencyName}`;
  return {
    '@id': iri,
    '@type': 'dcat:Dataset',
    'dct:identifier': v.id,
    'dct:title': langs(v.labelDe, v.labelEn),
    'dct:description': langs(
      `${v.description || v.labelDe} (Einheit ${v.unit}, feinste LOR-Ebene ${v.finestLevel}, Stichtag ${v.referenceDate}, geliefert von ${agencyName})`,
      `${v.labelEn}: ${facts}.`,
    ),
    'dct:publisher': ref(scope.agencyIri(v.agencyId)),
    'dcat:contactPoint': scope.contact(v.agencyId),
    'dcat:theme': ref(`${eu}/data-theme/${agencyThemes[v.agencyId] ?? 'SOCI'}`),
    'dct:license': ref(licence),
    'dct:accessRights': ref(`${eu}/access-right/${v.access === 'public' ? 'PUBLIC' : 'RESTRICTED'}`),
    'dct:accrualPeriodicity': ref(`${eu}/frequency/${frequencies[v.periodicity] ?? 'IRREG'}`),
    'dct:issued': typed(v.createdAt, 'xsd:dateTime'),
    'dct:modified': typed(v.updatedAt, 'xsd:dateTime'),
    'owl:versionInfo': String(v.version),
    'dcat:landingPage': ref(iri),
    ...common(),
    ...temporal(periods.get(v.id)),
    'dcat:distribution': [
      distribution(iri, 'json', `${v.labelDe} (JSON)`, `${iri}/observations`, 'JSON', 'application/json', terms),
      distribution(iri, 'csv', `${v.labelDe} (CSV)`, `${iri}/observations?f=csv`, 'CSV', 'text/csv', terms),
    ],
  };
}

function indicatorDataset(scope: CatalogScope, i: DcatInput['indicators'][number], input: DcatInput, variableAgency: Map<string, string>) {
  const { base } = scope;
  const iri = `${base}/v1/indicators/${i.id}`;
  const kind = String(i.formula.kind);
  const sources = [...new Set(i.inputs.map((v) => variableAgency.get(v)).filter((a): a is string => !!a))];
  const terms = {
    licence: licenceUri,
    attribution: `Datenpool Berlin; berechnet aus Daten von ${sources.map((a) => scope.agencyName(a)).join(', ') || 'Amt für Statistik Berlin-Brandenburg'}`,
  };
  return {
    '@id': iri,
    '@type': 'dcat:Dataset',
    'dct:identifier': i.id,
    'dct:title': langs(i.labelDe, i.labelEn),
    'dct:description': langs(
      `${i.description || i.labelDe} (Zielbereich ${i.zielbereich}, ${i.core ? 'Kernindikator' : 'optionaler Indikator'}; ${i.availability})`,
      `${i.labelEn}: ${i.core ? 'core' : 'optional'} indicator of the target area ${i.zielbereich}, formula kind ${kind}, unit ${i.unit}, computed per LOR unit down to ${i.lowestLevel}.`,
    ),
    'dct:publisher': ref(scope.agencyIri('afs')),
    'dcat:contactPoint': scope.contact('afs'),
    'dcat:theme': ref(`${eu}/data-theme/${zielbereichThemes[i.zielbereich] ?? 'SOCI'}`),
    'dcat:keyword': [i.zielbereich, ...(i.core ? ['Kernindikator'] : [])],
    'dct:license': ref(licenceUri),
    'dct:accessRights': ref(`${eu}/access-right/${i.access === 'public' ? 'PUBLIC' : 'RESTRICTED'}`),
    'dct:accrualPeriodicity': ref(`${eu}/frequency/ANNUAL`),
    'dct:issued': typed(i.createdAt, 'xsd:dateTime'),
    'dct:modified': typed(i.updatedAt, 'xsd:dateTime'),
    'dct:source': i.inputs.map((v) => ref(`${base}/v1/variables/${v}`)),
    'dcat:landingPage': ref(iri),
    ...common(),
    ...temporal(overlap(input.periods, i.inputs)),
    'dcat:distribution': [
      distribution(iri, 'json', `${i.labelDe} (JSON)`, `${iri}/values`, 'JSON', 'application/json', terms),
      distribution(iri, 'csv', `${i.labelDe} (CSV)`, `${iri}/values?f=csv`, 'CSV', 'text/csv', terms),
      distribution(iri, 'ogc', `${i.labelDe} (OGC API Features)`, `${base}/collections/indicator-${i.id}/items`, 'GEOJSON', 'application/geo+json', terms),
    ],
  };
}

function catalogNode(scope: CatalogScope, members: Array<{ '@id': string }>) {
  return {
    '@id': `${scope.base}/v1/catalog`,
    '@type': 'dcat:Catalog',
    'dct:title': langs('Datenpool Berlin: Sozialraumorientierte Planungsdaten', 'Datenpool Berlin: data for social-space planning'),
    'dct:description': langs(
      'Variablen (Fachdaten) und Kernindikatoren der Sozialraumorientierung auf Ebene der Lebensweltlich orientierten Räume (LOR).',
      'Variables and core indicators of Berlin’s social-space planning on the LOR units (Lebensweltlich orientierte Räume).',
    ),
    'dct:publisher': ref(scope.agencyIri('afs')),
    'dct:language': ref(`${eu}/language/DEU`),
    'dct:license': ref(licenceUri),
    'dct:spatial': ref(berlin),
    'foaf:homepage': ref(`${scope.base}/`),
    'dcat:dataset': members.map((d) => ref(d['@id'])),
  };
}

function agentNodes(scope: CatalogScope, agencies: DcatInput['agencies']) {
  return agencies.map((a) => ({
    '@id': scope.agencyIri(a.id),
    '@type': 'foaf:Organization',
    'foaf:name': a.name,
    ...(a.contact ? { 'foaf:homepage': ref(a.contact) } : {}),
  }));
}

export function buildCatalog(input: DcatInput): Record<string, unknown> {
  const scope = scopeOf(input);
  const variableAgency = new Map(input.allVariableAgencies);
  const datasets = [
    ...input.variables.map((v) => variableDataset(scope, v, input.periods)),
    ...input.indicators.map((i) => indicatorDataset(scope, i, input, variableAgency)),
  ];
  const series = [
    ...(input.lorCollections?.length ? [lorSeries(scope, input.lorCollections)] : []),
    ...(input.release ? [releaseSeries(scope, input.release)] : []),
  ];
  return {
    '@context': { ...dcatContext, owl: 'http://www.w3.org/2002/07/owl#' },
    '@graph': [catalogNode(scope, [...datasets, ...series]), ...agentNodes(scope, input.agencies), ...datasets, ...series],
  };
}

const turtlePrefixes = { ...dcatContext, owl: 'http://www.w3.org/2002/07/owl#' };

/** the same graph as Turtle: JSON-LD → N-Quads (jsonld) → Turtle (n3), so both always say the same */
export async function catalogTurtle(document: Record<string, unknown>): Promise<string> {
  const nquads = (await jsonld.toRDF(document as jsonld.JsonLdDocument, { format: 'application/n-quads' })) as string;
  const quads = new Parser({ format: 'application/n-quads' }).parse(nquads);
  const writer = new Writer({ prefixes: turtlePrefixes });
  writer.addQuads(quads);
  return new Promise((resolve, reject) => writer.end((error, result) => (error ? reject(error) : resolve(result))));
}
