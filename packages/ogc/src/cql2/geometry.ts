// Structural check of geometry literals (cql2-json brings GeoJSON from the client as it is).
import { Cql2Error, type GeoJsonGeometry } from './ast.ts';

function isPosition(p: unknown): boolean {
  return Array.isArray(p) && (p.length === 2 || p.length === 3) && p.every((n) => typeof n === 'number' && Number.isFinite(n));
}

function positions(value: unknown, min: number): boolean {
  return Array.isArray(value) && value.length >= min && value.every(isPosition);
}

function rings(value: unknown): boolean {
  return Array.isArray(value) && value.length >= 1 && value.every((ring) => positions(ring, 4));
}

/**
 * the geometry of a BBOX literal (west, south, east, north); one whose west edge lies east of its east edge crosses
 * the antimeridian (OGC API Features, bbox) and becomes the two boxes either side of it, as the standard's test
 * BBOX(150,-90,-150,90) expects
 */
export function bboxGeometry(west: number, south: number, east: number, north: number): GeoJsonGeometry {
  const box = (w: number, e: number) => [[[w, south], [e, south], [e, north], [w, north], [w, south]]];
  if (west <= east) return { type: 'Polygon', coordinates: box(west, east) };
  return { type: 'MultiPolygon', coordinates: [box(west, 180), box(-180, east)] };
}

/** throws a Cql2Error naming what is wrong; nothing the database would refuse passes */
export function checkGeometry(g: GeoJsonGeometry): void {
  // members of a GeometryCollection come from the client as they are: anything but an object with a type is refused
  if (typeof g !== 'object' || g === null || Array.isArray(g) || typeof g.type !== 'string') {
    throw new Cql2Error('a geometry literal must be a GeoJSON geometry object with a type');
  }
  const c = g.coordinates;
  const ok = (() => {
    switch (g.type) {
      case 'Point':
        return isPosition(c);
      case 'MultiPoint':
        return positions(c, 1);
      case 'LineString':
        return positions(c, 2);
      case 'MultiLineString':
        return Array.isArray(c) && c.length >= 1 && c.every((line) => positions(line, 2));
      case 'Polygon':
        return rings(c);
      case 'MultiPolygon':
        return Array.isArray(c) && c.length >= 1 && c.every(rings);
      case 'GeometryCollection':
        if (!Array.isArray(g.geometries) || g.geometries.length === 0) return false;
        g.geometries.forEach(checkGeometry);
        return true;
      default:
        return false;
    }
  })();
  if (!ok) {
    throw new Cql2Error(
      `the ${g.type} literal is not a valid geometry (coordinates must nest as GeoJSON requires; rings need 4 positions)`,
    );
  }
}
