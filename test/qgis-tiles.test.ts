// QGIS (Debian's 3.22, headless) draws the vector tiles (OGC API Tiles, WebMercatorQuad) as a vector tile layer
// (type=xyz): it asks for the tiles its own XYZ arithmetic picks, decodes the layer named after the collection and
// filters on the tile properties. QGIS 3.22's Python has no MVT decoder class, so what it read is seen in what it draws.
import t from 'tap';
import { tileBounds, tileOf } from '../packages/ogc/src/tiles/matrix-set.ts';
import { serveOnLoopback, testGateway } from './support/app.ts';
import { requireQgis, runQgis } from './support/qgis.ts';

t.setTimeout(600_000);
const qgisVersion = requireQgis(t);

const { app } = await testGateway(t, { RATE_LIMIT_MAX: '1000000' });
const base = await serveOnLoopback(app);
const requestLog: string[] = [];
app.server.on('request', (req: { url?: string }) => requestLog.push(req.url ?? ''));

interface Drawing {
  valid: boolean;
  crs: string;
  /** sampled pixels (every 4th in x and y) the layer painted, per style */
  painted: Record<string, number>;
  samples: number;
}

/**
 * draws `collection`'s tiles over one z12 tile's extent, once per style: a red fill for the features of MVT layer
 * `layerName` that pass `filter` (a QGIS expression over the tile properties)
 */
const DRAW = `
from qgis.core import (QgsVectorTileLayer, QgsVectorTileBasicRenderer, QgsVectorTileBasicRendererStyle, QgsFillSymbol,
    QgsWkbTypes, QgsMapSettings, QgsRectangle, QgsMapRendererSequentialJob, QgsCoordinateReferenceSystem)
from PyQt5.QtCore import QSize
from PyQt5.QtGui import QColor
url = args["base"] + "/collections/" + args["collection"] + "/tiles/WebMercatorQuad/{z}/{y}/{x}"
layer = QgsVectorTileLayer("type=xyz&url=" + url + "&zmin=0&zmax=16", args["collection"])
painted = {}
for name, style in args["styles"].items():
    s = QgsVectorTileBasicRendererStyle(name, style["layerName"], QgsWkbTypes.PolygonGeometry)
    s.setSymbol(QgsFillSymbol.createSimple({"color": "255,0,0", "outline_style": "no"}))
    if style.get("filter"):
        s.setFilterExpression(style["filter"])
    renderer = QgsVectorTileBasicRenderer()
    renderer.setStyles([s])
    layer.setRenderer(renderer)
    ms = QgsMapSettings()
    ms.setLayers([layer])
    ms.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    ms.setExtent(QgsRectangle(*args["bounds"]))
    ms.setOutputSize(QSize(512, 512))
    ms.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(ms)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    white = QColor(255, 255, 255).rgb()
    painted[name] = sum(1 for y in range(0, 512, 4) for x in range(0, 512, 4) if img.pixel(x, y) != white)
result({"valid": layer.isValid(), "crs": layer.crs().authid(), "painted": painted, "samples": 128 * 128})
`;

const draw = async (collection: string, lon: number, lat: number, styles: Record<string, { layerName: string; filter?: string }>) => {
  const c = tileOf(lon, lat, 12);
  const b = tileBounds(c);
  const mark = requestLog.length;
  const { value } = await runQgis<Drawing>(DRAW, { base, collection, styles, bounds: [b.minX, b.minY, b.maxX, b.maxY] });
  const tiles = requestLog
    .slice(mark)
    .map((u) => new RegExp(`^/collections/${collection}/tiles/WebMercatorQuad/(\\d+)/(\\d+)/(\\d+)$`).exec(u))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ z: Number(m[1]), row: Number(m[2]), col: Number(m[3]) }));
  return { value, tiles, tile: c };
};

t.test(`QGIS ${qgisVersion} draws the 2021 Planungsräume from the tiles, from the layer named after the collection`, async (t) => {
  const id = 'lor-2021-planungsraum';
  const { value, tiles, tile } = await draw(id, 13.41, 52.52, { collection: { layerName: id }, otherName: { layerName: 'no-such-layer' } });
  t.ok(value.valid, 'the vector tile layer is valid');
  t.equal(value.crs, 'EPSG:3857', 'in Web Mercator, as WebMercatorQuad is');
  t.ok(tiles.length >= 1, `QGIS asked for ${tiles.length} tile(s)`);
  t.ok(tiles.every((x) => x.z === 12), 'all at zoom 12, the level of the drawn extent');
  t.ok(tiles.some((x) => x.row === tile.row && x.col === tile.col), `among them the tile under the extent, 12/${tile.row}/${tile.col} ({z}/{y}/{x}: row, then column)`);
  // central Berlin: every sampled pixel lies in some Planungsraum
  t.ok(value.painted.collection as number > value.samples * 0.95, `the collection's layer fills the tile (${value.painted.collection} of ${value.samples} samples)`);
  t.equal(value.painted.otherName, 0, 'a style for another layer name draws nothing: QGIS read the layer name from the tile');
});

t.test('a tile outside Berlin draws nothing, and QGIS takes the empty answer', async (t) => {
  const { value, tiles } = await draw('lor-2021-planungsraum', 12.2, 52.1, { collection: { layerName: 'lor-2021-planungsraum' } });
  t.ok(tiles.length >= 1, 'QGIS asked for the tiles there');
  t.equal(value.painted.collection, 0, 'no feature drawn');
  const status = (await app.inject({ url: `/collections/lor-2021-planungsraum/tiles/WebMercatorQuad/${tiles[0]?.z}/${tiles[0]?.row}/${tiles[0]?.col}` })).statusCode;
  t.ok(status === 204 || status === 200, `the service answered ${status} for the empty tile`);
});

t.test('QGIS filters the indicator layer on the tile properties (value)', async (t) => {
  const id = 'indicator-anteil_65_plus';
  const c = tileOf(13.41, 52.52, 12);
  const b = tileBounds(c);
  // the values of the features in that tile, as items gives them for the tile's bbox
  const page = (
    await app.inject({
      url: `/collections/${id}/items?f=json&limit=10000&bbox=${[b.minX, b.minY, b.maxX, b.maxY].join(',')}&bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/3857')}`,
    })
  ).json();
  const values = (page.features as Array<{ properties: { value: number | null } }>).map((f) => f.properties.value).filter((v): v is number => v !== null).sort((x, y) => x - y);
  t.ok(values.length >= 3, `${values.length} Planungsräume with a value in the tile`);
  const median = values[Math.floor(values.length / 2)] as number;
  const { value } = await draw(id, 13.41, 52.52, {
    all: { layerName: id },
    none: { layerName: id, filter: `"value" > ${(values.at(-1) as number) + 1}` },
    above: { layerName: id, filter: `"value" > ${median}` },
    below: { layerName: id, filter: `"value" <= ${median}` },
  });
  t.ok((value.painted.all as number) > value.samples * 0.9, `every unit drawn (${value.painted.all})`);
  t.equal(value.painted.none, 0, 'a filter above the largest value draws nothing');
  t.ok((value.painted.above as number) > 0 && (value.painted.above as number) < (value.painted.all as number), `above the median ${median}: part of the tile (${value.painted.above})`);
  t.ok((value.painted.below as number) > 0 && (value.painted.below as number) < (value.painted.all as number), `at most the median: the other part (${value.painted.below})`);
  // the two halves cover the drawn area between them (anti-aliased edges may count twice)
  t.ok(Math.abs((value.painted.above as number) + (value.painted.below as number) - (value.painted.all as number)) < value.samples * 0.05, 'the halves add up to the whole');
});
