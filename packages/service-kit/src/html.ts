// HTML pages: escaping and the one page layout shared by every HTML view.

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** a tagged template that escapes every interpolation unless it is already SafeHtml */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const rendered = Array.isArray(value)
      ? value.map((v) => (v instanceof SafeHtml ? v.value : escapeHtml(v))).join('')
      : value instanceof SafeHtml
        ? value.value
        : escapeHtml(value);
    out += rendered + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

export interface PageOptions {
  title: string;
  /** the public base URL (publicBaseUrl of the request): the header's link, and the paths of breadcrumbs and jsonHref, start with it */
  base: string;
  body: SafeHtml;
  /** extra elements for <head> (stylesheets, scripts served by the gateway) */
  head?: SafeHtml;
  /** hrefs as paths (`/collections?f=html`) or absolute URLs */
  breadcrumbs?: Array<{ href: string; label: string }>;
  /** link to the JSON representation of the same resource (a path or an absolute URL) */
  jsonHref?: string;
  /** the page's language (default en) */
  lang?: string;
}

/** the site icon inline (no request, whatever prefix a proxy mounts the pages under); the gateway's /favicon.ico is its bitmap */
const faviconHref = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d3557"/><rect x="7" y="7" width="8" height="8" fill="#a8dadc"/><rect x="17" y="7" width="8" height="8" fill="#f1faee"/><rect x="7" y="17" width="8" height="8" fill="#f1faee"/><rect x="17" y="17" width="8" height="8" fill="#e63946"/></svg>')}`;

/** a path (`/collections`) under the public base URL; an absolute URL (or a fragment, a data: URL) as it is */
function underBase(base: string, href: string): string {
  return href.startsWith('/') && !href.startsWith('//') ? `${base}${href}` : href;
}

export function renderPage(options: PageOptions): string {
  const at = (href: string) => underBase(options.base, href);
  const crumbs = options.breadcrumbs ?? [];
  return html`<!doctype html>
<html lang="${options.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Datenpool</title>
<link rel="icon" type="image/svg+xml" href="${faviconHref}">
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b}
header{background:#1d3557;color:#fff;padding:.6rem 1.2rem}
header a{color:#fff;text-decoration:none;font-weight:600}
nav.crumbs{padding:.4rem 1.2rem;background:#f1f3f5;font-size:.9rem}
main{padding:1rem 1.2rem;max-width:72rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
.map{height:420px;border:1px solid #ccc;margin:1rem 0}
</style>
${options.head ?? ''}
</head>
<body>
<header><a href="${at('/')}">Datenpool Berlin</a></header>
<nav class="crumbs">${crumbs.map((c, i) => html`${i > 0 ? ' / ' : ''}<a href="${at(c.href)}">${c.label}</a>`)}${
    options.jsonHref ? html` · <a href="${at(options.jsonHref)}" rel="alternate" type="application/json">JSON</a>` : ''
  }</nav>
<main>
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>`.value;
}

/** sends a rendered page; typed for routes whose JSON response schema the page stands beside */
export function sendHtml<R extends { type(t: string): unknown }>(reply: R, page: string): R {
  const typed = reply.type('text/html; charset=utf-8') as { send(p: unknown): unknown };
  typed.send(page);
  return reply;
}
