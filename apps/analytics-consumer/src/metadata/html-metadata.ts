import { decodeEntities } from './html-entities.ts';

export interface PageMetadata {
  title: string | null;
  description: string | null;
  image: string | null;
}

export const TITLE_MAX = 300;
export const DESCRIPTION_MAX = 1000;
export const IMAGE_URL_MAX = 2048;

/** Elements whose content is not markup: a `<title>` or `<meta>` inside them is text, not metadata. */
const RAW_TEXT = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'textarea',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
]);
const TITLE_KEYS = ['og:title', 'twitter:title'];
const DESCRIPTION_KEYS = ['description', 'og:description', 'twitter:description'];
const IMAGE_KEYS = ['og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image', 'twitter:image:src'];

/**
 * Extracts title, description and preview image from the head of an HTML document.
 *
 * A linear scanner instead of a DOM library: we need three values from `<head>`, the input is hostile
 * and capped at 1 MiB, and every search below is an indexOf that moves forward, so no input can make
 * it backtrack (regex over the whole document could, e.g. many unclosed `<script` tags).
 */
export function extractMetadata(html: string, documentUrl: URL): PageMetadata {
  // ASCII-only lower-casing keeps indexes identical between the two strings.
  const lower = html.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  const metas = new Map<string, string>();
  let title: string | null = null;
  let base = documentUrl;
  let i = 0;

  while (i < html.length) {
    const lt = lower.indexOf('<', i);
    if (lt === -1) break;
    if (lower.startsWith('<!--', lt)) {
      const end = lower.indexOf('-->', lt + 4);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    const nameMatch = /^<(\/?)([a-z][a-z0-9:-]*)/.exec(lower.slice(lt, lt + 40));
    if (nameMatch === null) {
      i = lt + 1;
      continue;
    }
    const closing = nameMatch[1] === '/';
    const name = nameMatch[2] ?? '';
    const tagEnd = findTagEnd(html, lt + nameMatch[0].length);
    if (closing) {
      if (name === 'head') break;
      i = tagEnd;
      continue;
    }
    if (name === 'body') break;

    if (name === 'title') {
      const close = lower.indexOf('</title', tagEnd);
      const text = html.slice(tagEnd, close === -1 ? html.length : close);
      if (title === null) title = clean(decodeEntities(text), TITLE_MAX);
      i = close === -1 ? html.length : close;
      continue;
    }
    if (RAW_TEXT.has(name)) {
      const close = lower.indexOf(`</${name}`, tagEnd);
      i = close === -1 ? html.length : close;
      continue;
    }
    if (name === 'meta' || name === 'base') {
      const attributes = parseAttributes(html.slice(lt + nameMatch[0].length, tagEnd - 1));
      if (name === 'base') {
        base = resolveUrl(attributes.get('href'), documentUrl) ?? base;
      } else {
        const key = (attributes.get('property') ?? attributes.get('name') ?? '').trim().toLowerCase();
        const content = attributes.get('content');
        if (key !== '' && content !== undefined && !metas.has(key) && content.trim() !== '') {
          metas.set(key, content);
        }
      }
    }
    i = tagEnd;
  }

  const metaTitle = firstOf(metas, TITLE_KEYS);
  const metaDescription = firstOf(metas, DESCRIPTION_KEYS);
  const metaImage = firstOf(metas, IMAGE_KEYS);
  const image = resolveUrl(metaImage === null ? undefined : metaImage.trim(), base);

  return {
    title: title || (metaTitle === null ? null : clean(metaTitle, TITLE_MAX)),
    description: metaDescription === null ? null : clean(metaDescription, DESCRIPTION_MAX),
    image: image !== null && image.href.length <= IMAGE_URL_MAX ? image.href : null,
  };
}

/** Index just past the `>` that ends a tag, honouring quoted attribute values. */
function findTagEnd(html: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < html.length; i += 1) {
    const ch = html[i];
    if (quote !== null) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '>') {
      return i + 1;
    }
  }
  return html.length;
}

const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = match[1]?.toLowerCase();
    if (name === undefined || attributes.has(name)) continue;
    attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

function firstOf(metas: Map<string, string>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = metas.get(key);
    if (value !== undefined) return value;
  }
  return null;
}

function resolveUrl(value: string | undefined, base: URL): URL | null {
  if (value === undefined || value === '') return null;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** Collapses whitespace, drops control characters and caps the length on a code point boundary. */
function clean(text: string, max: number): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const collapsed = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  if (collapsed === '') return null;
  const codePoints = Array.from(collapsed);
  return codePoints.length <= max
    ? collapsed
    : `${codePoints
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}
