// The landing page at `/`: HTML for browsers (find a unit by name, id or coordinate and open its profile; the API
// links below), JSON for API clients (OGC API Common landing page).
import { type App, html, type LandingLink, negotiateFormat, problemResponses, publicBaseUrl, renderPage, sendHtml } from '@datenpool/service-kit';
import { z } from 'zod';
import { faviconRoutes } from './favicon.ts';

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
const DESCRIPTION_DE =
  'Der Datenpool der sozialraumorientierten Planung Berlins: Statistiken der Fachverwaltungen auf den LOR-Räumen, die vereinbarten Kernindikatoren als Zeitreihen mit Bezirks- und Berlinwerten, als Profil je Raum, als Karte und über offene Schnittstellen (OpenAPI, OGC API Features).';

/**
 * the search and locate form: finds a unit by name or id (/v1/lor/{version}/units) or by a coordinate (/locate); its
 * requests and links start with the public base URL (data-base), so they work behind a proxy that mounts a prefix
 */
const finder = (base: string) => html`<section class="finder" aria-labelledby="find-h" data-base="${base}">
<h2 id="find-h">Raum finden</h2>
<form id="search" role="search">
<label for="q">Name oder LOR-ID</label>
<input id="q" name="q" type="search" required minlength="2" placeholder="z. B. Tiergarten Süd, Neukölln oder 010111" autocomplete="off">
<label for="version">LOR-Version</label>
<select id="version" name="version"><option value="2021" selected>2021</option><option value="2006">2006</option></select>
<button type="submit">Suchen</button>
</form>
<form id="locate">
<label for="point">Koordinate</label>
<input id="point" name="point" required placeholder="Breite, Länge (52,5163 13,3777) oder Rechts-/Hochwert (ETRS89 UTM 33)" autocomplete="off">
<button type="submit">Raum an diesem Punkt</button>
</form>
<p class="hint">Oder in der <a href="${base}/viewer/">Karte</a> einen Raum anklicken. Das Profil zeigt die Kernindikatoren eines Raums mit Bezirks- und Berlinwert, Rang, Veränderung und Zeitreihe.</p>
<div id="results" aria-live="polite"></div>
<noscript><p>Die Suche braucht JavaScript; ohne: <code>/v1/lor/2021/units?q=Name</code> und <code>/v1/units/{LOR-ID}/profile</code>.</p></noscript>
</section>
<style>
.finder form{display:flex;flex-wrap:wrap;gap:.4rem .6rem;align-items:center;margin:.5rem 0}
.finder input{font-size:1rem;padding:.35rem .5rem;min-width:22rem;border:1px solid #888;border-radius:4px}
.finder select,.finder button{font-size:1rem;padding:.35rem .7rem}
.finder button{background:#1d3557;color:#fff;border:0;border-radius:4px;cursor:pointer}
.finder .hint{color:#444;font-size:.92rem}
#results ul{list-style:none;padding:0}#results li{padding:.25rem 0;border-bottom:1px solid #eee}
#results .lvl{display:inline-block;min-width:8.5rem;color:#555}
#results .id{color:#666;font-variant-numeric:tabular-nums;margin-left:.4rem}
</style>
<script>
(() => {
  const base = document.querySelector('.finder').dataset.base;
  const names = { berlin: 'Berlin', bezirk: 'Bezirk', prognoseraum: 'Prognoseraum', bezirksregion: 'Bezirksregion', planungsraum: 'Planungsraum' };
  const results = document.getElementById('results');
  const version = () => document.getElementById('version').value;
  const area = (m2) => m2 == null ? '' : m2 < 1e6 ? (m2 / 1e4).toLocaleString('de-DE', { maximumFractionDigits: 1 }) + ' ha'
    : (m2 / 1e6).toLocaleString('de-DE', { maximumFractionDigits: m2 < 1e7 ? 2 : 1 }) + ' km²';
  function show(title, units) {
    results.replaceChildren();
    const h = document.createElement('h3'); h.textContent = title; results.append(h);
    if (units.length === 0) { const p = document.createElement('p'); p.textContent = 'Kein Raum gefunden.'; results.append(p); return; }
    const ul = document.createElement('ul');
    for (const u of units) {
      const li = document.createElement('li');
      const lvl = document.createElement('span'); lvl.className = 'lvl'; lvl.textContent = names[u.level] || u.level;
      const a = document.createElement('a'); a.href = base + '/v1/units/' + encodeURIComponent(u.id) + '/profile?version=' + encodeURIComponent(u.version);
      a.textContent = u.name; a.className = 'profile-link';
      const id = document.createElement('span'); id.className = 'id'; id.textContent = u.id + (u.areaM2 ? ' · ' + area(u.areaM2) : '');
      li.append(lvl, a, id); ul.append(li);
    }
    results.append(ul);
  }
  async function get(url) {
    const r = await fetch(url, { headers: { accept: 'application/json' } });
    const body = await r.json();
    if (!r.ok) throw new Error(body.detail || r.statusText);
    return body;
  }
  document.getElementById('search').addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = document.getElementById('q').value.trim();
    try {
      const body = await get(base + '/v1/lor/' + version() + '/units?limit=25&q=' + encodeURIComponent(q));
      show('Räume zu „' + q + '“ (LOR ' + version() + ')', body.units);
    } catch (err) { results.textContent = 'Fehler: ' + err.message; }
  });
  document.getElementById('locate').addEventListener('submit', async (e) => {
    e.preventDefault();
    // two numbers; a decimal comma is read as a point when the numbers are separated by a space or semicolon
    const text = document.getElementById('point').value.trim();
    const parts = (/[;\\s]/.test(text.replace(/,\\s+/, ' ')) ? text.replace(/,\\s+/, ' ').split(/[;\\s]+/) : text.split(',')).map((p) => Number(p.replace(',', '.')));
    if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) { results.textContent = 'Bitte zwei Zahlen angeben, z. B. 52,5163 13,3777.'; return; }
    const [a, b] = parts;
    const url = Math.abs(a) <= 90 && Math.abs(b) <= 180
      ? base + '/v1/lor/' + version() + '/locate?lat=' + a + '&lon=' + b
      : base + '/v1/lor/' + version() + '/locate?crs=EPSG:25833&x=' + a + '&y=' + b;
    try {
      const body = await get(url);
      show('Räume am Punkt ' + text + ' (LOR ' + version() + ')', body.units.filter((u) => u.level !== 'berlin'));
    } catch (err) { results.textContent = 'Fehler: ' + err.message; }
  });
})();
</script>`;
const DESCRIPTION =
  "Berlin's open data pool for social-space planning: statistics of the specialist agencies on the LOR units, the agreed core indicators as time series, served through OpenAPI and OGC API interfaces.";

export function landingRoutes(app: App, serviceLinks: LandingLink[]): void {
  faviconRoutes(app);
  app.get(
    '/',
    {
      schema: {
        tags: ['gateway'],
        summary: 'Landing page',
        querystring: z.object({ f: z.enum(['json', 'html']).optional() }),
        response: { 200: landingSchema, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      // absolute, as OGC API Common asks: a client resolves them without knowing where the landing page was
      const base = publicBaseUrl(request);
      const links: LandingLink[] = [
        { href: '/?f=json', rel: 'self', type: 'application/json', title: 'This document' },
        { href: '/?f=html', rel: 'alternate', type: 'text/html', title: 'This document as HTML' },
        { href: '/api', rel: 'service-desc', type: 'application/vnd.oai.openapi+json;version=3.0', title: 'The OpenAPI definition' },
        { href: '/api.html', rel: 'service-doc', type: 'text/html', title: 'The API documentation' },
        ...serviceLinks,
      ].map((link) => (link.href.startsWith('/') ? { ...link, href: `${base}${link.href}` } : link));
      const format = negotiateFormat(request, ['json', 'html'] as const, {
        json: ['application/json'],
        html: ['text/html'],
      });
      if (format === 'html') {
        return sendHtml(
          reply,
          renderPage({
            base,
            title: TITLE,
            lang: 'de',
            jsonHref: `${base}/?f=json`,
            body: html`<p>${DESCRIPTION_DE}</p>
${finder(base)}
<h2>Schnittstellen</h2>
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
