// The site icon at /favicon.ico, for what a browser asks for on its own (a JSON document or the API page opened in
// it); the HTML pages carry the same drawing inline (service-kit's renderPage), so they need no request for it.
import { readFileSync } from 'node:fs';
import type { App } from '@datenpool/service-kit';

/** a 32×32 PNG in an ICO container: the SVG of renderPage drawn pixel by pixel (navy tile, four LOR squares) */
const icon = readFileSync(new URL('../assets/favicon.ico', import.meta.url));

export function faviconRoutes(app: App): void {
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('image/x-icon').header('cache-control', 'public, max-age=86400').send(icon),
  );
}
