// Assembles GeoJSON FeatureCollection and Feature responses around feature texts PostGIS produced.
import type { Link } from './links.ts';
import type { ItemsResult } from './provider.ts';

/** the FeatureCollection as text: the features are inserted as they came from the database */
export function featureCollectionText(result: ItemsResult, links: Link[]): string {
  const matched = result.numberMatched === undefined ? '' : `"numberMatched":${result.numberMatched},`;
  return `{"type":"FeatureCollection",${matched}"numberReturned":${result.numberReturned},"links":${JSON.stringify(
    links,
  )},"features":[${result.features}]}`;
}

/** a single Feature with its links appended: the feature text ends with its closing brace */
export function featureText(feature: string, links: Link[]): string {
  return `${feature.slice(0, feature.lastIndexOf('}'))},"links":${JSON.stringify(links)}}`;
}
