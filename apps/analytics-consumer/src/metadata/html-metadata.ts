import { Parser } from 'htmlparser2';

export interface PageMetadata {
  title: string | null;
  description: string | null;
  image: string | null;
}

export const TITLE_MAX = 300;
export const DESCRIPTION_MAX = 1000;
export const IMAGE_URL_MAX = 2048;

/**
 * Containers whose content a browser does not treat as the document's metadata: `<template>` content
 * is inert, and `<noscript>` is raw text for a browser that runs scripts. (script, style, textarea and
 * the other raw-text elements are already text to the tokenizer.)
 */
const INERT = new Set(['noscript', 'template']);
const TITLE_KEYS = ['og:title', 'twitter:title'];
const DESCRIPTION_KEYS = ['description', 'og:description', 'twitter:description'];
const IMAGE_KEYS = ['og:image', 'og:image:url', 'og:image:secure_url', 'twitter:image', 'twitter:image:src'];

/** Slice of the document handed to the tokenizer at a time, so parsing stops soon after `</head>`. */
const CHUNK = 16 * 1024;

/**
 * Extracts title, description and preview image from the head of an HTML document.
 *
 * htmlparser2 tokenizes (comments, raw-text elements, quoting, character references with the WHATWG
 * rules, including the attribute rule that leaves `&copy=1` in a URL alone); what is ours is which
 * tags win, the clean-up, URL resolution and the limits. Only the head counts: the scan stops at
 * `</head>` or `<body>`.
 */
export function extractMetadata(html: string, documentUrl: URL): PageMetadata {
  const metas = new Map<string, string>();
  let base = documentUrl;
  let baseSeen = false;
  let title: string | null = null;
  let titleText: string | null = null;
  let inert = 0;
  let done = false;

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (done) return;
        if (name === 'body') {
          done = true;
          return;
        }
        if (INERT.has(name)) inert += 1;
        if (inert > 0) return;
        if (name === 'title' && title === null) titleText = '';
        else if (name === 'base' && !baseSeen) {
          // The first <base href> counts, as in a browser; a later one changes nothing.
          const href = resolveUrl(attributes.href, documentUrl);
          if (href !== null) {
            base = href;
            baseSeen = true;
          }
        } else if (name === 'meta') {
          const key = (attributes.property ?? attributes.name ?? '').trim().toLowerCase();
          const content = attributes.content;
          if (key !== '' && content !== undefined && content.trim() !== '' && !metas.has(key)) {
            metas.set(key, content);
          }
        }
      },
      ontext(text) {
        if (titleText !== null) titleText += text;
      },
      onclosetag(name) {
        if (done) return;
        if (name === 'head') done = true;
        else if (INERT.has(name) && inert > 0) inert -= 1;
        else if (name === 'title' && titleText !== null) {
          title = clean(titleText, TITLE_MAX) ?? '';
          titleText = null;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  for (let i = 0; i < html.length && !done; i += CHUNK) parser.write(html.slice(i, i + CHUNK));
  parser.end();

  const metaTitle = firstOf(metas, TITLE_KEYS);
  const metaDescription = firstOf(metas, DESCRIPTION_KEYS);
  const metaImage = firstOf(metas, IMAGE_KEYS);
  const image = resolveUrl(metaImage?.trim(), base);

  return {
    // An empty <title> falls back to the Open Graph title.
    title: title || (metaTitle === null ? null : clean(metaTitle, TITLE_MAX)),
    description: metaDescription === null ? null : clean(metaDescription, DESCRIPTION_MAX),
    image: image !== null && image.href.length <= IMAGE_URL_MAX ? image.href : null,
  };
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
  const collapsed = text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
  if (collapsed === '') return null;
  const codePoints = Array.from(collapsed);
  return codePoints.length <= max
    ? collapsed
    : `${codePoints
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}
