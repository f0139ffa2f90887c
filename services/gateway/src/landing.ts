// The landing page at `/`: HTML for browsers, JSON for API clients (OGC API Common landing page).
import { type App, html, type LandingLink, negotiateFormat, renderPage, sendHtml } from '@datenpool/service-kit';
import { z } from 'zod';

const linkSchema = z.object({
  href: z.string(),
  rel: z.string(),
  type: z.string().optional(),
  title: z.string().optional(),
});

export const landingSchema = z.object({
  title: z.string(),
  description: z.string(),
  links: z.array(linkSchema),
});

const TITLE = 'Datenpool Berlin';
const DESCRIPTION =
  "Berlin's open data pool for social-space planning: statistics of the specialist agencies on the LOR units, the agreed core indicators as time series, served through OpenAPI and OGC API interfaces.";

export function landingRoutes(app: App, serviceLinks: LandingLink[]): void {
  app.get(
    '/',
    {
      schema: {
        tags: ['gateway'],
        summary: 'Landing page',
        querystring: z.object({ f: z.enum(['json', 'html']).optional() }),
        response: { 200: landingSchema },
      },
    },
    async (request, reply) => {
      const links: LandingLink[] = [
        { href: '/?f=json', rel: 'self', type: 'application/json', title: 'This document' },
        { href: '/?f=html', rel: 'alternate', type: 'text/html', title: 'This document as HTML' },
        { href: '/api', rel: 'service-desc', type: 'application/vnd.oai.openapi+json;version=3.0', title: 'The OpenAPI definition' },
        { href: '/api.html', rel: 'service-doc', type: 'text/html', title: 'The API documentation' },
        ...serviceLinks,
      ];
      const format = negotiateFormat(request, ['json', 'html'] as const, {
        json: ['application/json'],
        html: ['text/html'],
      });
      if (format === 'html') {
        return sendHtml(
          reply,
          renderPage({
            title: TITLE,
            jsonHref: '/?f=json',
            body: html`<p>${DESCRIPTION}</p>
<ul>${links
              .filter((l) => l.rel !== 'self' && l.rel !== 'alternate')
              .map((l) => html`<li><a href="${l.href}">${l.title}</a></li>`)}</ul>`,
          }),
        );
      }
      return { title: TITLE, description: DESCRIPTION, links };
    },
  );
}
