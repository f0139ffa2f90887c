// The catalogue's downloads: each LOR collection as GeoPackage and CSV, and the release bundle's zip with its SHA-256
// and size, as distributions of two dcat:DatasetSeries.
import { type CatalogScope, common, type DistributionLicence, eu, langs, licenceUri, ref, typed } from './dcat-vocabulary.ts';

/** a LOR collection (`lor-{version}-{level}`) and its title */
export interface LorCollectionRef {
  id: string;
  title: string;
}

/** the current release bundle; its SHA-256 and size once it was built */
export interface ReleaseRef {
  id: string;
  sha256?: string;
  byteSize?: number;
}

/** a file to download: downloadURL, media type, format, licence; SHA-256 (spdx:checksum) and byte size where known */
function fileDistribution(
  iri: string,
  title: string,
  url: string,
  format: 'GPKG' | 'CSV' | 'ZIP',
  mediaType: string,
  terms: DistributionLicence,
  file: { sha256?: string; byteSize?: number } = {},
) {
  return {
    '@id': iri,
    '@type': 'dcat:Distribution',
    'dct:title': title,
    'dcat:accessURL': ref(url),
    'dcat:downloadURL': ref(url),
    'dct:format': ref(`${eu}/file-type/${format}`),
    'dcat:mediaType': ref(`https://www.iana.org/assignments/media-types/${mediaType}`),
    'dct:license': ref(terms.licence),
    'dcatde:licenseAttributionByText': terms.attribution,
    ...(file.sha256
      ? {
          'spdx:checksum': {
            '@type': 'spdx:Checksum',
            'spdx:algorithm': ref('http://spdx.org/rdf/terms#checksumAlgorithm_sha256'),
            'spdx:checksumValue': typed(file.sha256, 'xsd:hexBinary'),
          },
        }
      : {}),
    ...(file.byteSize === undefined ? {} : { 'dcat:byteSize': typed(String(file.byteSize), 'xsd:nonNegativeInteger') }),
  };
}

const lorTerms: DistributionLicence = {
  licence: licenceUri,
  attribution: 'Datenpool Berlin; Quelle: Amt für Statistik Berlin-Brandenburg / Geoportal Berlin',
};

/** what a series says of itself; the rest of its head is the same for both: published by the AfS, public, the pool's licence */
interface SeriesHead {
  identifier: string;
  title: ReturnType<typeof langs>;
  description: ReturnType<typeof langs>;
  /** an EU data theme (REGI, SOCI, …) */
  theme: string;
  landingPage: string;
  versionInfo?: string;
}

/** a dcat:DatasetSeries of downloads, published by the AfS under the pool's licence, public */
function datasetSeries(scope: CatalogScope, iri: string, head: SeriesHead, distributions: ReturnType<typeof fileDistribution>[]) {
  return {
    '@id': iri,
    '@type': 'dcat:DatasetSeries',
    'dct:identifier': head.identifier,
    'dct:title': head.title,
    'dct:description': head.description,
    'dct:publisher': ref(scope.agencyIri('afs')),
    'dcat:contactPoint': scope.contact('afs'),
    'dcat:theme': ref(`${eu}/data-theme/${head.theme}`),
    'dct:license': ref(licenceUri),
    'dct:accessRights': ref(`${eu}/access-right/PUBLIC`),
    ...(head.versionInfo === undefined ? {} : { 'owl:versionInfo': head.versionInfo }),
    'dcat:landingPage': ref(head.landingPage),
    ...common(),
    'dcat:distribution': distributions,
  };
}

/**
 * The LOR geometries as a dcat:DatasetSeries (DCAT 3; the versions are its members in time): each collection (version
 * and level) as a GeoPackage and a CSV download. A series, not a dcat:Dataset, so that the catalogue's datasets stay
 * the variables and indicators.
 */
export function lorSeries(scope: CatalogScope, collections: LorCollectionRef[]) {
  const iri = `${scope.base}/v1/catalog/lor`;
  const head: SeriesHead = {
    identifier: 'lor',
    title: langs('Lebensweltlich orientierte Räume (LOR): Geometrien', 'LOR units (Lebensweltlich orientierte Räume): geometries'),
    description: langs(
      'Die LOR-Geometrien aller Versionen und Ebenen (Bezirk bis Planungsraum) in EPSG:25833, je Sammlung als GeoPackage und CSV (Geometrie als WKT).',
      'The LOR geometries of every version and level (Bezirk to Planungsraum) in EPSG:25833, each collection as GeoPackage and CSV (geometry as WKT).',
    ),
    theme: 'REGI',
    landingPage: `${scope.base}/collections`,
  };
  return datasetSeries(
    scope,
    iri,
    head,
    collections.flatMap((c) => {
      const items = `${scope.base}/collections/${c.id}/items`;
      return [
        fileDistribution(`${iri}#${c.id}-gpkg`, `${c.title} (GeoPackage)`, `${items}?f=gpkg`, 'GPKG', 'application/geopackage+sqlite3', lorTerms),
        fileDistribution(`${iri}#${c.id}-csv`, `${c.title} (CSV, WKT)`, `${items}?f=csv`, 'CSV', 'text/csv', lorTerms),
      ];
    }),
  );
}

/** the release bundles as a dcat:DatasetSeries: the current release's zip, with its SHA-256 and size once it was built */
export function releaseSeries(scope: CatalogScope, release: ReleaseRef) {
  const iri = `${scope.base}/v1/releases`;
  const terms = { licence: licenceUri, attribution: 'Datenpool Berlin; Quellen: siehe manifest.json und metadata/' };
  const head: SeriesHead = {
    identifier: 'releases',
    title: langs('Datenpool Berlin: Datenstände (Release-Bündel)', 'Datenpool Berlin: data releases (bundles)'),
    description: langs(
      'Ein Datenstand als ZIP: alle LOR-Versionen als GeoPackage, alle öffentlichen Indikatorwerte als CSV, Variablen und Indikatordefinitionen als JSON, ein Manifest mit SHA-256-Prüfsummen.',
      'One data release as a zip: every LOR version as GeoPackage, every public indicator value as CSV, variables and indicator definitions as JSON, a manifest with SHA-256 checksums.',
    ),
    theme: 'SOCI',
    landingPage: iri,
    versionInfo: release.id,
  };
  return datasetSeries(scope, iri, head, [
    fileDistribution(`${iri}/${release.id}`, `Datenstand ${release.id} (ZIP)`, `${iri}/${release.id}`, 'ZIP', 'application/zip', terms, release),
  ]);
}
