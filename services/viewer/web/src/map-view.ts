// The MapLibre map: an empty style (no basemap, no glyphs), the units from the OGC API vector tiles of their LOR
// collection, coloured through feature state by the values of the indicator; hover, click.
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { apiUrl } from './api.ts';
import { noDataColour, suppressedColour } from './classes.ts';

// Vite writes the worker's URL root-relative (/viewer/assets/…): under the pool's public base, as the page's assets are
maplibregl.setWorkerUrl(workerUrl.startsWith('/') ? apiUrl(workerUrl) : workerUrl);

/** Berlin's extent (CRS84) */
export const berlinBounds: [number, number, number, number] = [13.08, 52.33, 13.77, 52.68];

export interface UnitProperties {
  id: string;
  name: string;
  /** class index, -1 = no class */
  cls: number;
  status: string;
  label: string;
}

/** what each unit's feature state holds: its class, status and hover label */
export type UnitState = Pick<UnitProperties, 'cls' | 'status' | 'label'>;

export interface MapView {
  map: maplibregl.Map;
  /** draws the units of an LOR collection (`lor-{version}-{level}`) from its vector tiles (uncoloured until `show`) */
  units(collectionId: string): void;
  /** draws the units of the collection coloured by `states` */
  show(collectionId: string, states: Map<string, UnitState>, colours: string[]): void;
  /** how many units the loaded tiles hold (0 where the level has no geometry) */
  drawnUnits(): number;
  onHover(handler: (unit: UnitProperties | null, point: { x: number; y: number }) => void): void;
  onClick(handler: (unit: UnitProperties) => void): void;
  select(unitId: string): void;
  /** pans (never zooms in) so the unit is in view left of a panel `rightInset` pixels wide */
  reveal(unitId: string, rightInset: number): void;
}

/** the MVT tile URL template of a collection (OGC API Tiles, WebMercatorQuad: z/row/col) */
export function tileTemplate(collectionId: string): string {
  return apiUrl(`/collections/${encodeURIComponent(collectionId)}/tiles/WebMercatorQuad/{z}/{y}/{x}`);
}

/** [west, south, east, north] of a geometry's positions */
function boundsOf(geometry: GeoJSON.Geometry): [number, number, number, number] {
  const box: [number, number, number, number] = [180, 90, -180, -90];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]);
      box[1] = Math.min(box[1], c[1] as number);
      box[2] = Math.max(box[2], c[0]);
      box[3] = Math.max(box[3], c[1] as number);
    } else if (Array.isArray(c)) c.forEach(visit);
  };
  if ('coordinates' in geometry) visit(geometry.coordinates);
  return box;
}

/** a diagonal hatch drawn on a canvas: suppressed values */
function hatchImage(): ImageData {
  const size = 8;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#e0e0e0';
  context.fillRect(0, 0, size, size);
  context.strokeStyle = '#757575';
  context.lineWidth = 1.5;
  context.beginPath();
  context.moveTo(0, size);
  context.lineTo(size, 0);
  context.moveTo(-size / 2, size / 2);
  context.lineTo(size / 2, -size / 2);
  context.moveTo(size / 2, size * 1.5);
  context.lineTo(size * 1.5, size / 2);
  context.stroke();
  return context.getImageData(0, 0, size, size);
}

export async function createMapView(container: HTMLElement): Promise<MapView> {
  const map = new maplibregl.Map({
    container,
    style: {
      version: 8,
      sources: {},
      layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f7f7f4' } }],
    },
    bounds: berlinBounds,
    fitBoundsOptions: { padding: 10 },
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    // the screenshots of the tests read the canvas
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  await new Promise<void>((resolve) => map.once('load', () => resolve()));
  map.addImage('hatch', hatchImage());

  const hoverHandlers: Array<(unit: UnitProperties | null, point: { x: number; y: number }) => void> = [];
  const clickHandlers: Array<(unit: UnitProperties) => void> = [];
  /** the unit of a rendered feature: id and name from the tile, class, status and label from its state */
  const unitOf = (feature: maplibregl.MapGeoJSONFeature | undefined): UnitProperties | undefined => {
    if (!feature) return undefined;
    const id = String(feature.properties.id);
    const state = (feature.state ?? {}) as Partial<UnitState>;
    return { id, name: String(feature.properties.name ?? id), cls: state.cls ?? -1, status: state.status ?? 'none', label: state.label ?? '' };
  };
  let hovered = '';
  map.on('mousemove', 'units-fill', (event) => {
    const unit = unitOf(event.features?.[0]);
    if (!unit) return;
    if (unit.id !== hovered) {
      hovered = unit.id;
      map.setFilter('units-hover', ['==', ['get', 'id'], hovered]);
    }
    map.getCanvas().style.cursor = 'pointer';
    for (const handler of hoverHandlers) handler(unit, event.point);
  });
  map.on('mouseleave', 'units-fill', (event) => {
    hovered = '';
    if (map.getLayer('units-hover')) map.setFilter('units-hover', ['==', ['get', 'id'], '']);
    map.getCanvas().style.cursor = '';
    for (const handler of hoverHandlers) handler(null, event.point);
  });
  map.on('click', 'units-fill', (event) => {
    const unit = unitOf(event.features?.[0]);
    if (unit) for (const handler of clickHandlers) handler(unit);
  });

  let collection = '';
  let selected = '';
  let stated = new Set<string>();

  /** the source of a collection's tiles and the layers drawn from it (the tiles' one layer is named after it) */
  function mount(collectionId: string): void {
    for (const id of ['units-selected', 'units-hover', 'units-line', 'units-suppressed', 'units-fill']) if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource('units')) map.removeSource('units');
    map.addSource('units', { type: 'vector', tiles: [tileTemplate(collectionId)], minzoom: 0, maxzoom: 16, promoteId: 'id' });
    const on = { source: 'units', 'source-layer': collectionId } as const;
    map.addLayer({ id: 'units-fill', type: 'fill', ...on, paint: { 'fill-color': noDataColour, 'fill-opacity': 0.9 } });
    map.addLayer({
      id: 'units-suppressed',
      type: 'fill',
      ...on,
      paint: { 'fill-pattern': 'hatch', 'fill-opacity': ['case', ['==', ['feature-state', 'status'], 'suppressed'], 1, 0] },
    });
    map.addLayer({ id: 'units-line', type: 'line', ...on, paint: { 'line-color': '#4d4d4d', 'line-width': 0.6 } });
    map.addLayer({ id: 'units-hover', type: 'line', ...on, filter: ['==', ['get', 'id'], ''], paint: { 'line-color': '#d7301f', 'line-width': 2.5 } });
    map.addLayer({ id: 'units-selected', type: 'line', ...on, filter: ['==', ['get', 'id'], selected], paint: { 'line-color': '#000000', 'line-width': 3 } });
    collection = collectionId;
    stated = new Set();
  }

  return {
    map,
    units(collectionId) {
      if (collectionId !== collection) mount(collectionId);
    },
    show(collectionId, states, colours) {
      if (collectionId !== collection) mount(collectionId);
      // feature state outlives the tiles: set once per unit, it colours every tile that holds the unit, loaded or not
      for (const id of stated) if (!states.has(id)) map.removeFeatureState({ source: 'units', sourceLayer: collection, id });
      for (const [id, state] of states) map.setFeatureState({ source: 'units', sourceLayer: collection, id }, state);
      stated = new Set(states.keys());
      const fill: maplibregl.ExpressionSpecification | string =
        colours.length === 0
          ? noDataColour
          : ([
              'case',
              ['==', ['feature-state', 'status'], 'suppressed'],
              suppressedColour,
              ['match', ['coalesce', ['feature-state', 'cls'], -1], ...colours.flatMap((c, i) => [i, c]), noDataColour],
            ] as unknown as maplibregl.ExpressionSpecification);
      map.setPaintProperty('units-fill', 'fill-color', fill);
    },
    drawnUnits() {
      if (!collection || !map.getSource('units')) return 0;
      return new Set(map.querySourceFeatures('units', { sourceLayer: collection }).map((f) => f.properties.id)).size;
    },
    onHover: (handler) => hoverHandlers.push(handler),
    onClick: (handler) => clickHandlers.push(handler),
    select(unitId) {
      selected = unitId;
      if (map.getLayer('units-selected')) map.setFilter('units-selected', ['==', ['get', 'id'], unitId]);
    },
    reveal(unitId, rightInset) {
      const container = map.getContainer();
      if (rightInset + 80 > container.clientWidth) return;
      // the unit's whole geometry (a tile holds its part): the feature of its collection
      void fetch(apiUrl(`/collections/${encodeURIComponent(collection)}/items/${encodeURIComponent(unitId)}`), { headers: { accept: 'application/geo+json' } })
        .then((response) => (response.ok ? (response.json() as Promise<GeoJSON.Feature>) : undefined))
        .then((feature) => {
          if (!feature?.geometry) return;
          map.fitBounds(boundsOf(feature.geometry), {
            padding: { top: 20, bottom: 20, left: 20, right: rightInset + 20 },
            maxZoom: map.getZoom(),
            duration: 300,
          });
        })
        .catch(() => undefined);
    },
  };
}
