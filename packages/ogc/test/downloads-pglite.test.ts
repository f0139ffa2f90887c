// The downloads on the embedded database (PGlite, what `npm start` runs on): the GeoPackage GDAL reads and the CSV give
// the units the GeoJSON items give, with the same ids, the same property values and the same geometries (areas).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb, migrateToLatest } from '@datenpool/db';
import { buildGateway, gatewayConfigFromEnv } from '../../../services/gateway/src/index.ts';
import { serviceConfigFromEnv } from '@datenpool/service-kit';
import t from 'tap';
import { bootstrapLor } from '../../../services/geometry/src/import/bootstrap.ts';
import { PYTHON, requireExecutable, requirePythonModule } from '../../../test/support/real-client.ts';

const run = promisify(execFile);
t.setTimeout(600_000);
const ogrinfo = requireExecutable(t, ['/usr/bin/ogrinfo', '/usr/local/bin/ogrinfo'], 'gdal-bin');
requirePythonModule(t, 'osgeo.ogr', 'python3-gdal');

const database = await createDb({ dataDir: 'memory://', poolMax: 1, statementTimeoutMs: 120_000 });
t.teardown(() => database.close());
await migrateToLatest(database.db);
const app = await buildGateway({ config: serviceConfigFromEnv({ LOG_LEVEL: 'silent' }), database }, gatewayConfigFromEnv({ RATE_LIMIT_MAX: '1000000' }, []));
await app.ready();
t.teardown(() => app.close());
// the bundled LOR units, as the first start loads them before it listens
await bootstrapLor(database.db, app.log);

const workdir = mkdtempSync(path.join(tmpdir(), 'datenpool-downloads-pglite-'));
t.teardown(() => rmSync(workdir, { recursive: true, force: true }));

interface Feature {
  id: string;
  properties: Record<string, unknown>;
}

/** the collection's features as GeoJSON in EPSG:25833 (every page), the reference the downloads are compared with */
async function items(collection: string): Promise<Feature[]> {
  const crs = encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/25833');
  const body = (await app.inject({ url: `/collections/${collection}/items?limit=10000&crs=${crs}` })).json();
  return body.features;
}

/** OGR reads a file (GeoPackage or CSV): each feature's id, properties and area */
const readScript = `
import json, sys
from osgeo import ogr
ds = ogr.Open(sys.argv[1])
layer = ds.GetLayer(0)
out = []
for f in layer:
    g = f.GetGeometryRef()
    props = {layer.GetLayerDefn().GetFieldDefn(i).GetName(): f.GetField(i) for i in range(f.GetFieldCount())}
    out.append({'props': props, 'area': g.GetArea() if g else None})
print(json.dumps(out))
`;

for (const collection of ['lor-2021-bezirksregion', 'lor-2006-planungsraum']) {
  t.test(`${collection}: the GeoPackage and the CSV hold the features of the items, with their values`, async (t) => {
    const features = await items(collection);
    t.ok(features.length > 100, `${features.length} features`);

    const gpkg = await app.inject({ url: `/collections/${collection}/items?f=gpkg` });
    t.equal(gpkg.statusCode, 200);
    const gpkgFile = path.join(workdir, `${collection}.gpkg`);
    writeFileSync(gpkgFile, gpkg.rawPayload);
    const summary = await run(ogrinfo, ['-ro', '-so', gpkgFile, collection]);
    t.equal(summary.stderr, '', 'GDAL opens it without a warning');
    t.equal(Number(/Feature Count: (\d+)/.exec(summary.stdout)?.[1]), features.length);
    t.match(summary.stdout, /ID\["EPSG",25833\]\]\s*$/m);

    const csvFile = path.join(workdir, `${collection}.csv`);
    const crs = encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/25833');
    const csv = await app.inject({ url: `/collections/${collection}/items?f=csv&crs=${crs}` });
    t.equal(csv.statusCode, 200);
    writeFileSync(csvFile, csv.rawPayload);

    for (const [file, label] of [[gpkgFile, 'GeoPackage'], [csvFile, 'CSV']] as const) {
      const read = JSON.parse((await run(PYTHON, ['-c', readScript, file], { maxBuffer: 64 * 1024 * 1024 })).stdout) as Array<{ props: Record<string, unknown>; area: number }>;
      t.equal(read.length, features.length, `${label}: every feature`);
      t.same(read.map((r) => String(r.props.id)), features.map((f) => f.id), `${label}: the ids in the items' order`);
      t.same(read.map((r) => r.props.name), features.map((f) => f.properties.name), `${label}: the names`);
      const areaOff = read.filter((r, i) => Math.abs(r.area - Number(features[i]?.properties.area_m2)) / Number(features[i]?.properties.area_m2) > 1e-3);
      t.equal(areaOff.length, 0, `${label}: each geometry's area is the unit's area_m2 (within 0.1 %)`);
    }
  });
}
