// A small XML writer: escaped text and attributes, elements as nested strings, or open and close tags for a streamed element.

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

export type Attrs = Record<string, string | number | boolean | undefined | null>;

function attrText(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    out += ` ${name}="${escapeXml(String(value))}"`;
  }
  return out;
}

/** `<name attrs>children</name>`, or self-closing without children; children are already-written XML */
export function el(name: string, attrs: Attrs = {}, ...children: Array<string | string[] | undefined | false>): string {
  const inner = children.flat().filter((c): c is string => typeof c === 'string' && c !== '').join('');
  return inner === '' ? `<${name}${attrText(attrs)}/>` : `<${name}${attrText(attrs)}>${inner}</${name}>`;
}

/** the start tag of an element whose children are written as they come (close it with {@link closeTag}) */
export function openTag(name: string, attrs: Attrs = {}): string {
  return `<${name}${attrText(attrs)}>`;
}

/** the self-closing form of an element that got no children after all */
export function emptyTag(name: string, attrs: Attrs = {}): string {
  return `<${name}${attrText(attrs)}/>`;
}

export function closeTag(name: string): string {
  return `</${name}>`;
}

/** an element holding escaped text */
export function textEl(name: string, attrs: Attrs, text: string): string {
  return `<${name}${attrText(attrs)}>${escapeXml(text)}</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
