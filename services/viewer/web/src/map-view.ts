// The MapLibre map: an empty style (no tiles, no glyphs), the units as one GeoJSON source, choropleth, hover, click.
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { noDataColour, suppressedColour } from './classes.ts';

maplibregl.setWorkerUrl(workerUrl);

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

export interface MapView {
  map: maplibregl.Map;
  show(collection: GeoJSON.FeatureCollection, colours: string[]): void;
  onHover(handler: (unit: UnitProperties | null, point: { x: number; y: number }) => void): void;
  onClick(handler: (unit: UnitProperties) => void): void;
  select(unitId: string): void;
  /** pans (never zooms in) so the unit is in view left of a panel `rightInset` pixels wide */
  reveal(unitId: string, rightInset: number): void;
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
      sources: { units: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#f7f7f4' } },
        { id: 'units-fill', type: 'fill', source: 'units', paint: { 'fill-color': noDataColour, 'fill-opacity': 0.9 } },
        {
          id: 'units-suppressed',
          type: 'fill',
          source: 'units',
          filter: ['==', ['get', 'status'], 'suppressed'],
          paint: { 'fill-pattern': 'hatch' },
        },
        { id: 'units-line', type: 'line', source: 'units', paint: { 'line-color': '#4d4d4d', 'line-width': 0.6 } },
        {
          id: 'units-hover',
          type: 'line',
          source: 'units',
          filter: ['==', ['get', 'id'], ''],
          paint: { 'line-color': '#d7301f', 'line-width': 2.5 },
        },
        {
          id: 'units-selected',
          type: 'line',
          source: 'units',
          filter: ['==', ['get', 'id'], ''],
          paint: { 'line-color': '#000000', 'line-width': 3 },
        },
      ],
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
  let hovered = '';
  map.on('mousemove', 'units-fill', (event) => {
    const unit = event.features?.[0]?.properties as UnitProperties | undefined;
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
    map.setFilter('units-hover', ['==', ['get', 'id'], '']);
    map.getCanvas().style.cursor = '';
    for (const handler of hoverHandlers) handler(null, event.point);
  });
  map.on('click', 'units-fill', (event) => {
    const unit = event.features?.[0]?.properties as UnitProperties | undefined;
    if (unit) for (const handler of clickHandlers) handler(unit);
  });

  let shown: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
  return {
    map,
    show(collection, colours) {
      shown = collection;
      const fill: maplibregl.ExpressionSpecification | string =
        colours.length === 0
          ? noDataColour
          : ([
              'case',
              ['==', ['get', 'status'], 'suppressed'],
              suppressedColour,
              ['match', ['get', 'cls'], ...colours.flatMap((c, i) => [i, c]), noDataColour],
            ] as unknown as maplibregl.ExpressionSpecification);
      map.setPaintProperty('units-fill', 'fill-color', fill);
      (map.getSource('units') as maplibregl.GeoJSONSource).setData(collection);
    },
    onHover: (handler) => hoverHandlers.push(handler),
    onClick: (handler) => clickHandlers.push(handler),
    select(unitId) {
      map.setFilter('units-selected', ['==', ['get', 'id'], unitId]);
    },
    reveal(unitId, rightInset) {
      const feature = shown.features.find((f) => f.properties?.id === unitId);
      if (!feature?.geometry) return;
      const container = map.getContainer();
      if (rightInset + 80 > container.clientWidth) return;
      map.fitBounds(boundsOf(feature.geometry), {
        padding: { top: 20, bottom: 20, left: 20, right: rightInset + 20 },
        maxZoom: map.getZoom(),
        duration: 300,
      });
    },
  };
}
