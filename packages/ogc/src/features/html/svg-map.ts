// A small map as inline SVG drawn from GeoJSON polygons in a planar CRS: no tiles, no scripts.
import { html, type SafeHtml } from '@datenpool/service-kit';

interface MapFeature {
  id?: string | number;
  geometry: { type: string; coordinates: unknown } | null;
  properties?: Record<string, unknown> | null;
}

type Ring = Array<[number, number]>;

function rings(geometry: MapFeature['geometry']): Ring[] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates as Ring[];
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as Ring[][]).flat();
  return [];
}

const WIDTH = 640;
const HEIGHT = 420;

/** features in a planar CRS (metres); each polygon links to its feature page where `href` gives one */
export function svgMap(features: MapFeature[], href?: (id: string) => string): SafeHtml {
  const all = features.flatMap((f) => rings(f.geometry)).flat();
  if (all.length === 0) return html`<p><em>No geometry to draw.</em></p>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min(WIDTH / (maxX - minX || 1), HEIGHT / (maxY - minY || 1)) * 0.96;
  const offX = (WIDTH - (maxX - minX) * scale) / 2;
  const offY = (HEIGHT - (maxY - minY) * scale) / 2;
  const point = ([x, y]: [number, number]) =>
    `${(offX + (x - minX) * scale).toFixed(1)} ${(offY + (maxY - y) * scale).toFixed(1)}`;
  const paths = features.map((f) => {
    const d = rings(f.geometry)
      .map((ring) => `M${ring.map(point).join('L')}Z`)
      .join('');
    const label = String(f.properties?.name ?? f.id ?? '');
    const path = html`<path d="${d}" fill-rule="evenodd"><title>${label}</title></path>`;
    return href && f.id !== undefined ? html`<a href="${href(String(f.id))}">${path}</a>` : path;
  });
  return html`<svg class="map" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="map of the features"
 xmlns="http://www.w3.org/2000/svg" style="fill:#a8c5e8;stroke:#1d3557;stroke-width:.6">${paths}</svg>`;
}
