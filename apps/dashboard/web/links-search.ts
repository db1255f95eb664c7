/**
 * The links table's state in the URL (/links?q=…&tag=…&domain=…&campaignId=…&pages=…): a filtered page can
 * be bookmarked and shared, and Back returns to the previous page of the table. `pages` holds the API's
 * cursors from the first page to the current one (keyset paging only walks forward): Next appends the
 * answer's nextCursor, Previous drops the last one.
 */
export interface LinksSearch {
  q?: string;
  tag?: string;
  domain?: string;
  campaignId?: string;
  pages?: string[];
}

// The same bounds the API checks (GET /links): a hand-edited URL never turns into a 400 on load.
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PAGES = 1000;

function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed !== '' && trimmed.length <= max ? trimmed : undefined;
}

export function validateLinksSearch(search: Record<string, unknown>): LinksSearch {
  const out: LinksSearch = {};
  const q = text(search.q, 200);
  if (q !== undefined) out.q = q;
  const tag = text(search.tag, 32);
  if (tag !== undefined) out.tag = tag;
  const domain = text(search.domain, 259);
  if (domain !== undefined) out.domain = domain;
  const campaignId = text(search.campaignId, 36);
  if (campaignId !== undefined && UUID.test(campaignId)) out.campaignId = campaignId;
  if (Array.isArray(search.pages)) {
    const pages = search.pages.filter((p): p is string => typeof p === 'string' && CURSOR.test(p));
    if (pages.length > 0 && pages.length === search.pages.length) out.pages = pages.slice(-MAX_PAGES);
  }
  return out;
}
