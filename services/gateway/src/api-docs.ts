// The OpenAPI document at /api and the interactive page at /api.html (Swagger UI, served locally).
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { type App, escapeHtml, publicBaseUrl } from '@datenpool/service-kit';

const require = createRequire(import.meta.url);
const swaggerUiDist = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** the page under the public base URL (a proxy may mount the pool under a path): its assets and the document it reads */
const apiPage = (base: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Datenpool API</title>
<link rel="stylesheet" href="${escapeHtml(`${base}/api-assets/swagger-ui.css`)}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${escapeHtml(`${base}/api-assets/swagger-ui-bundle.js`)}"></script>
<script>window.ui = SwaggerUIBundle({ url: ${JSON.stringify(`${base}/api`).replace(/</g, '\\u003c')}, dom_id: '#swagger-ui' });</script>
</body>
</html>`;

export async function apiDocsRoutes(app: App): Promise<void> {
  await app.register(fastifyStatic, { root: swaggerUiDist, prefix: '/api-assets/', decorateReply: false });
  app.get('/api', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/vnd.oai.openapi+json;version=3.0').send(JSON.stringify(app.swagger())),
  );
  app.get('/api.html', { schema: { hide: true } }, async (request, reply) =>
    reply.type('text/html; charset=utf-8').send(apiPage(publicBaseUrl(request))),
  );
}
