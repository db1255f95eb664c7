import { createHash } from 'node:crypto';

/**
 * The look of every HTML page the edge serves to people (the password form, the pages for an unknown or dead
 * link, a rate limit, an outage): one inline style, allowed by its hash, light or dark as the visitor's system
 * is. Its rules stay few: the whole style travels with each page.
 */
const STYLE = [
  ':root{color-scheme:light dark}',
  'body{font-family:system-ui,sans-serif;margin:0;min-height:100vh;display:grid;place-items:center;background:#f6f7f9;color:#1b1d21}',
  'main{background:#fff;padding:2rem;border-radius:.75rem;box-shadow:0 1px 4px rgba(0,0,0,.12);width:min(22rem,90vw);box-sizing:border-box}',
  'h1{font-size:1.25rem;margin:0 0 1rem}',
  'p{margin:0 0 .75rem;line-height:1.45}',
  'label{display:block;font-weight:600;margin-bottom:.35rem}',
  'input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #8a8f98;border-radius:.4rem}',
  'input:focus{outline:3px solid #2f6feb;outline-offset:1px}',
  'button{margin-top:1rem;width:100%;padding:.65rem;font-size:1rem;border:0;border-radius:.4rem;background:#1f5fd6;color:#fff;cursor:pointer}',
  'button:focus{outline:3px solid #0b2e73;outline-offset:2px}',
  '.error{color:#a4161a;margin:.5rem 0 0}',
  '.address{font-family:ui-monospace,monospace;overflow-wrap:anywhere}',
  '.reference{color:#5b606a;font-size:.875rem;margin:1rem 0 0}',
  '@media (prefers-color-scheme:dark){',
  'body{background:#111317;color:#e6e8eb}',
  'main{background:#1c1f24;box-shadow:0 0 0 1px #2e323a}',
  'input{background:#111317;color:#e6e8eb;border-color:#8a8f98}',
  'input:focus,button:focus{outline-color:#8ab4ff}',
  '.error{color:#ff9b9b}',
  '.reference{color:#a5abb5}',
  '}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/**
 * No scripts, no external assets: the only thing a page may load is its own inline style (by hash), and a form
 * may only post back to this origin. It may not be framed (clickjacking a password prompt).
 */
export const EDGE_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The headers of every page, besides the status-specific ones (cache-control, retry-after). */
export const EDGE_PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': EDGE_PAGE_CSP,
  'x-robots-tag': 'noindex',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** A whole page around `main` (trusted markup: every value in it was escaped by its author). */
export function renderEdgePage(title: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
