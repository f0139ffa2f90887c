// Spike: MapLibre with an empty style and the 2006 Bezirke from the OGC API.
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';

maplibregl.setWorkerUrl(workerUrl);

const map = new maplibregl.Map({
  container: 'map',
  style: { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f4f0' } }] },
  bounds: [13.08, 52.33, 13.77, 52.68],
  attributionControl: false,
});
map.on('load', async () => {
  const response = await fetch('/collections/lor-2006-bezirk/items?f=json&limit=10000');
  const data = await response.json();
  map.addSource('units', { type: 'geojson', data });
  map.addLayer({ id: 'fill', type: 'fill', source: 'units', paint: { 'fill-color': '#41b6c4', 'fill-opacity': 0.8 } });
  map.addLayer({ id: 'line', type: 'line', source: 'units', paint: { 'line-color': '#333', 'line-width': 1 } });
  map.once('idle', () => document.body.setAttribute('data-ready', 'true'));
});
