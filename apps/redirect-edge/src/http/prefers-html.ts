/**
 * Whether a request's `Accept` asks for a page rather than problem+json. A browser names `text/html` (and
 * `*\/*` after it): the page. An API client names JSON, or sends `*\/*` or no Accept at all: JSON, as the edge
 * has always answered. HTML wins only when the client rates it strictly higher than JSON; `*\/*` and `text/*`
 * count for neither side, so a tie keeps the answer that API clients rely on.
 */
const HTML_HINT = /html/i;

export function prefersHtml(accept: string | undefined): boolean {
  // Cheap exit for the common API client and for the header-less request: no parsing.
  if (accept === undefined || !HTML_HINT.test(accept)) return false;
  let html = 0;
  let json = 0;
  // Bounded: a hostile header of thousands of ranges costs no more than its first 32.
  const ranges = accept.split(',', 32);
  for (const range of ranges) {
    const [rawType = '', ...params] = range.split(';');
    const type = rawType.trim().toLowerCase();
    const quality = qualityOf(params);
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, quality);
    else if (type === 'application/json' || type === 'application/problem+json')
      json = Math.max(json, quality);
  }
  return html > 0 && html > json;
}

/** The `q` of a media range's parameters: 1 when absent, 0 when unreadable (RFC 9110 §12.4.2). */
function qualityOf(params: string[]): number {
  for (const param of params) {
    const [name = '', value = ''] = param.split('=');
    if (name.trim().toLowerCase() !== 'q') continue;
    const q = Number(value.trim());
    return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0;
  }
  return 1;
}
