// The bench's peer: MapServer 8 serving the same lor_unit rows as OGC API Features, FastCGI behind lighttpd.
// Debian packages mapserver-bin, cgi-mapserver and lighttpd (infra/bench.sh installs them through apt where it can).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerLayerSpec } from './types.ts';

const MAPSERV = '/usr/lib/cgi-bin/mapserv';
const LIGHTTPD = '/usr/sbin/lighttpd';
const TEMPLATES = '/usr/share/mapserver/ogcapi/templates/html-plain/';

/** one MapServer layer: an SQL view of lor_unit, id as the feature id */
export type PeerLayer = PeerLayerSpec;

export interface MapServerPeer {
  /** http://127.0.0.1:port/mapserv/lor/ogcapi */
  baseUrl: string;
  /** the FastCGI processes and lighttpd, for the CPU count */
  pids(): number[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function connectionString(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const parts = [
    `host=${url.hostname}`,
    `port=${url.port || '5432'}`,
    `dbname=${decodeURIComponent(url.pathname.slice(1))}`,
    `user=${decodeURIComponent(url.username || 'postgres')}`,
    ...(url.password ? [`password=${decodeURIComponent(url.password)}`] : []),
  ];
  return parts.join(' ');
}

/**
 * The mapfile: each layer an SQL subquery on lor_unit with its properties as GeoJSON members, as the service writes
 * them; stored in EPSG:25833, served in CRS84 (MapServer's OGC API default), connections kept open between requests.
 */
function mapfile(databaseUrl: string, baseUrl: string, layers: PeerLayer[]): string {
  const layerText = layers
    .map(
      (l) => `  LAYER
    NAME "${l.name}"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "${connectionString(databaseUrl)}"
    PROCESSING "CLOSE_CONNECTION=DEFER"
    DATA "geom FROM (SELECT id, name, level, version, parent_id, area_m2, geom FROM lor_unit WHERE ${l.where}) AS t USING UNIQUE id USING SRID=25833"
    PROJECTION "init=epsg:25833" END
    TEMPLATE "none"
    METADATA
      "ows_title" "${l.name}"
      "gml_include_items" "name,level,version,parent_id,area_m2"
      "gml_featureid" "id"
      "gml_area_m2_type" "Real"
      "ows_extent" "360000 5800000 1300000 6700000"
    END
  END`,
    )
    .join('\n');
  return `MAP
  NAME "lor"
  EXTENT 360000 5800000 1300000 6700000
  PROJECTION "init=epsg:25833" END
  WEB
    METADATA
      "ows_title" "LOR units (bench peer)"
      "ows_enable_request" "*"
      "oga_enable_request" "*"
      "oga_onlineresource" "${baseUrl}"
      "oga_html_template_directory" "${TEMPLATES}"
      "oga_max_limit" "10000"
      "ows_srs" "EPSG:25833 EPSG:4326"
    END
  END
${layerText}
END
`;
}

/** starts lighttpd with `processes` MapServer FastCGI processes; throws naming what is missing */
export async function startMapServer(databaseUrl: string, layers: PeerLayer[], processes = 4): Promise<MapServerPeer> {
  for (const file of [MAPSERV, LIGHTTPD, TEMPLATES]) {
    if (!existsSync(file)) throw new Error(`MapServer peer: ${file} is missing (apt-get install -y mapserver-bin cgi-mapserver lighttpd)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-mapserver-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}/mapserv/lor/ogcapi`;
  writeFileSync(join(dir, 'lor.map'), mapfile(databaseUrl, baseUrl, layers));
  writeFileSync(
    join(dir, 'mapserver.conf'),
    `CONFIG
  ENV
    MS_ERRORFILE "${join(dir, 'mapserver-errors.log')}"
  END
  MAPS
    lor "${join(dir, 'lor.map')}"
  END
END
`,
  );
  writeFileSync(
    join(dir, 'lighttpd.conf'),
    `server.modules = ("mod_fastcgi")
server.document-root = "${dir}"
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = "${join(dir, 'lighttpd-errors.log')}"
server.max-keep-alive-requests = 100000
fastcgi.server = ("/mapserv" => ((
  "socket" => "${join(dir, 'mapserv.socket')}",
  "bin-path" => "${MAPSERV}",
  "check-local" => "disable",
  "max-procs" => ${processes},
  "bin-environment" => ("MAPSERVER_CONFIG_FILE" => "${join(dir, 'mapserver.conf')}"),
)))
`,
  );
  // a process group of its own: lighttpd leaves its FastCGI MapServers running when it ends, the group ends them all
  const child: ChildProcess = spawn(LIGHTTPD, ['-D', '-f', join(dir, 'lighttpd.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  // a bench that fails half-way (a scenario's check throws) skips its teardowns: the peer ends with the process anyway
  const onExit = () => signalGroup('SIGKILL');
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    const running = child.exitCode === null;
    signalGroup('SIGTERM');
    if (running) await exited;
    // a MapServer busy in its FastCGI loop may outlive SIGTERM
    await new Promise((r) => setTimeout(r, 300));
    signalGroup('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // the first answer: lighttpd listens and MapServer reads the mapfile and reaches PostGIS
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/collections?f=json`);
      if (response.ok) break;
      throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`MapServer peer did not start: ${(err as Error).message} ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    baseUrl,
    pids: () => (child.pid === undefined ? [] : [child.pid]),
    stop,
  };
}
