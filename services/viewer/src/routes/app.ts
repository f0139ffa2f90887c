// The built web application (Vite output in services/viewer/dist) as static files, or a 503 naming the build step.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { type App, escapeHtml, HttpProblem, problemResponses, publicBaseUrl } from '@datenpool/service-kit';

export const distDirectory = fileURLToPath(new URL('../../dist/', import.meta.url));

class ViewerNotBuilt extends HttpProblem {
  constructor() {
    super(
      503,
      'viewer-not-built',
      'Viewer not built',
      'The map viewer has not been built: run `pnpm --filter @datenpool/viewer build` (npm start does this when the build is missing).',
      {},
      { 'retry-after': '60' },
    );
  }
}

/**
 * the page with its root-relative links and assets (`/`, `/viewer/assets/…`, as Vite writes them for base /viewer/)
 * under the public base URL, so that they work where a proxy mounts the pool under a path; the base also goes into the
 * page's `datenpool-base` meta element, from which the application builds its API and tile URLs
 */
export function pageUnderBase(page: string, base: string): string {
  return page
    .replace(/(\s(?:href|src)=")\/(?!\/)/g, (_, attribute: string) => `${attribute}${escapeHtml(base)}/`)
    .replace(/(<meta name="datenpool-base" content=")[^"]*"/, (_, head: string) => `${head}${escapeHtml(base)}"`);
}

/** `directory`: the build to serve (the tests point it at an empty folder) */
export async function appRoutes(app: App, directory = distDirectory): Promise<void> {
  if (existsSync(path.join(directory, 'index.html'))) {
    // the page itself, read per request so a rebuild shows without a restart (also at /viewer/, the router ignores the trailing slash); it links /viewer/assets/…
    app.get('/viewer', { schema: { hide: true } }, async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(pageUnderBase(readFileSync(path.join(directory, 'index.html'), 'utf8'), publicBaseUrl(request))),
    );
    await app.register(fastifyStatic, {
      root: directory,
      prefix: '/viewer/',
      decorateReply: false,
      index: ['index.html'],
      // hashed asset names may be cached for good; the page itself is revalidated
      setHeaders: (reply, filePath) => {
        reply.header('cache-control', filePath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
      cacheControl: false,
    });
    return;
  }
  // hidden from /api, like the page: the document must not depend on whether the build exists
  const notBuilt = { schema: { hide: true, response: problemResponses(503) } };
  app.get('/viewer', notBuilt, async () => {
    throw new ViewerNotBuilt();
  });
  app.get('/viewer/*', notBuilt, async () => {
    throw new ViewerNotBuilt();
  });
}
