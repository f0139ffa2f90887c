// The DCAT-AP.de vocabulary the catalogue's builders share: licences, EU authority tables, literals, common properties.

export const licenceUri = 'http://dcat-ap.de/def/licenses/dl-by-de/2.0';
export const eu = 'http://publications.europa.eu/resource/authority';
/** Berlin in the DCAT-AP.de political geocoding (Land key 11) */
export const berlin = 'http://dcat-ap.de/def/politicalGeocoding/stateKey/11';
export const langs = (de: string, en: string) => [
  { '@value': de, '@language': 'de' },
  { '@value': en, '@language': 'en' },
];
export const ref = (iri: string) => ({ '@id': iri });
export const typed = (value: string, type: string) => ({ '@value': value, '@type': type });

export interface DistributionLicence {
  licence: string;
  /** DCAT-AP.de asks for the attribution text wherever the licence requires naming the source (dl-de/by) */
  attribution: string;
}

export const common = () => ({
  'dct:spatial': ref(berlin),
  'dcatde:politicalGeocodingURI': ref(berlin),
  'dcatde:politicalGeocodingLevelURI': ref('http://dcat-ap.de/def/politicalGeocodingLevel/state'),
  'dct:language': ref(`${eu}/language/DEU`),
});

/** the IRIs and contact points every dataset builder needs */
export interface CatalogScope {
  base: string;
  agencyIri: (id: string) => string;
  agencyName: (id: string) => string;
  contact: (agencyId: string) => Record<string, unknown>;
}
