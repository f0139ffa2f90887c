// HTML views of the OGC API Features resources: conformance, collections, collection, items, feature.
import { html, renderPage, type SafeHtml } from '@datenpool/service-kit';
import type { Link } from '../../links.ts';
import { svgMap } from './svg-map.ts';

interface CollectionDoc {
  id: string;
  title: string;
  description?: string;
  extent?: { spatial?: { bbox: number[][] }; temporal?: { interval: Array<Array<string | null>> } };
  storageCrs?: string;
  links: Link[];
}

const crumbsTo = (...extra: Array<{ href: string; label: string }>) => [
  { href: '/', label: 'Home' },
  { href: '/collections?f=html', label: 'Collections' },
  ...extra,
];

function linkList(links: Link[]): SafeHtml {
  return html`<ul>${links
    .filter((l) => l.rel !== 'self')
    .map((l) => html`<li><a href="${l.href}" rel="${l.rel}">${l.title ?? l.rel}</a> <small>(${l.rel}${l.type ? `, ${l.type}` : ''})</small></li>`)}</ul>`;
}

export function conformancePage(classes: string[], base: string): string {
  return renderPage({
    base,
    title: 'Conformance',
    jsonHref: '/conformance?f=json',
    breadcrumbs: [{ href: '/', label: 'Home' }],
    body: html`<p>This server implements these conformance classes:</p><ul>${classes.map((c) => html`<li><code>${c}</code></li>`)}</ul>`,
  });
}

export function collectionsPage(collections: CollectionDoc[], base: string): string {
  return renderPage({
    base,
    title: 'Collections',
    jsonHref: '/collections?f=json',
    breadcrumbs: crumbsTo(),
    body: html`<table><thead><tr><th>Collection</th><th>Title</th><th>Valid</th></tr></thead><tbody>${collections.map(
      (c) =>
        html`<tr><td><a href="${base}/collections/${c.id}?f=html">${c.id}</a></td><td>${c.title}</td><td>${
          c.extent?.temporal?.interval[0]?.map((d) => d?.slice(0, 10) ?? '…').join(' – ') ?? ''
        }</td></tr>`,
    )}</tbody></table>`,
  });
}

export function collectionPage(c: CollectionDoc, base: string): string {
  const bbox = c.extent?.spatial?.bbox[0];
  return renderPage({
    base,
    title: c.title,
    jsonHref: `/collections/${c.id}?f=json`,
    breadcrumbs: crumbsTo({ href: `/collections/${c.id}?f=html`, label: c.id }),
    body: html`<p>${c.description ?? ''}</p>
<p><a href="${base}/collections/${c.id}/items?f=html">Browse the features</a></p>
<table><tbody>
<tr><th>Id</th><td>${c.id}</td></tr>
<tr><th>Spatial extent (CRS84)</th><td>${bbox ? bbox.map((n) => n.toFixed(4)).join(', ') : '—'}</td></tr>
<tr><th>Storage CRS</th><td>${c.storageCrs ?? ''}</td></tr>
</tbody></table>
<h2>Links</h2>${linkList(c.links)}`,
  });
}

interface PageFeature {
  id?: string | number;
  geometry: { type: string; coordinates: unknown } | null;
  properties: Record<string, unknown> | null;
}

export function itemsPage(options: {
  collectionId: string;
  title: string;
  features: PageFeature[];
  numberMatched?: number;
  offset: number;
  links: Link[];
  jsonHref: string;
  /** the public base URL */
  base: string;
}): string {
  const { collectionId, features, base } = options;
  const keys = [...new Set(features.flatMap((f) => Object.keys(f.properties ?? {})))];
  const featureHref = (id: string) => `${base}/collections/${collectionId}/items/${encodeURIComponent(id)}?f=html`;
  const pager = options.links.filter((l) => l.rel === 'next' || l.rel === 'prev');
  return renderPage({
    base,
    title: `${options.title}: features`,
    jsonHref: options.jsonHref,
    breadcrumbs: crumbsTo(
      { href: `/collections/${collectionId}?f=html`, label: collectionId },
      { href: `/collections/${collectionId}/items?f=html`, label: 'Items' },
    ),
    body: html`<p>Features ${features.length === 0 ? 0 : options.offset + 1}–${options.offset + features.length}${
      options.numberMatched === undefined ? '' : ` of ${options.numberMatched}`
    }. ${pager.map((l) => html`<a href="${l.href}" rel="${l.rel}">${l.rel === 'next' ? 'Next page' : 'Previous page'}</a> `)}</p>
${svgMap(features, featureHref)}
<table><thead><tr><th>id</th>${keys.map((k) => html`<th>${k}</th>`)}</tr></thead><tbody>${features.map(
      (f) =>
        html`<tr><td><a href="${featureHref(String(f.id))}">${f.id}</a></td>${keys.map((k) => html`<td>${f.properties?.[k] ?? ''}</td>`)}</tr>`,
    )}</tbody></table>`,
  });
}

export function featurePage(options: { collectionId: string; feature: PageFeature; jsonHref: string; base: string }): string {
  const { collectionId, feature } = options;
  const id = String(feature.id);
  return renderPage({
    base: options.base,
    title: String(feature.properties?.name ?? id),
    jsonHref: options.jsonHref,
    breadcrumbs: crumbsTo(
      { href: `/collections/${collectionId}?f=html`, label: collectionId },
      { href: `/collections/${collectionId}/items?f=html`, label: 'Items' },
      { href: `/collections/${collectionId}/items/${encodeURIComponent(id)}?f=html`, label: id },
    ),
    body: html`${svgMap([feature])}
<table><tbody><tr><th>id</th><td>${id}</td></tr>${Object.entries(feature.properties ?? {}).map(
      ([k, v]) => html`<tr><th>${k}</th><td>${v ?? ''}</td></tr>`,
    )}</tbody></table>`,
  });
}
