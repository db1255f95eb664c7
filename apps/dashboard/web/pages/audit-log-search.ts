/**
 * Where the audit log is in its pages, kept in the URL so Back, reload and a shared link show the same page.
 * The API pages one way (older, by `nextCursor`); the cursors of the pages before this one ride along in
 * `back`, so Previous needs no second query.
 */
export interface AuditLogSearch {
  cursor: string | undefined;
  /** The cursors of the earlier pages, the one just before this first, joined by "_"; the first page has none. */
  back: string | undefined;
}

/** The API's cursor: a positive event id (docs/workspaces.md). */
const CURSOR = /^[1-9][0-9]{0,18}$/;
/** Enough Previous steps for any reading session, without letting a pasted URL grow without bound. */
const MAX_BACK = 200;
/** Not a character of a number, so a list of cursors never reads back as one. */
const SEPARATOR = '_';

/**
 * A search value as text. The router writes a digits-only string quoted (`cursor=%22123%22`) so that it reads
 * back as a string; a hand-typed `cursor=123` arrives as a number.
 */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * Only well-formed cursors get through; anything else in the URL is dropped and the first page shown. Both
 * keys are always set, if only to undefined: the router lays a route's search over the raw one of the URL, so
 * a key left out would let the raw value through.
 */
export function auditLogSearch(search: Record<string, unknown>): AuditLogSearch {
  const cursor = asText(search.cursor);
  if (cursor === undefined || !CURSOR.test(cursor)) return { cursor: undefined, back: undefined };
  const back = (asText(search.back) ?? '')
    .split(SEPARATOR)
    .filter((c) => CURSOR.test(c))
    .slice(0, MAX_BACK);
  return { cursor, back: back.length > 0 ? back.join(SEPARATOR) : undefined };
}

/** The search of the next (older) page. */
export function nextPage(search: AuditLogSearch, nextCursor: string): AuditLogSearch {
  const back = [
    ...(search.cursor ? [search.cursor] : []),
    ...(search.back ? search.back.split(SEPARATOR) : []),
  ];
  return { cursor: nextCursor, back: back.length > 0 ? back.slice(0, MAX_BACK).join(SEPARATOR) : undefined };
}

/** The search of the previous (newer) page; undefined on the first page. */
export function previousPage(search: AuditLogSearch): AuditLogSearch | undefined {
  if (!search.cursor) return undefined;
  const [cursor, ...rest] = search.back ? search.back.split(SEPARATOR) : [];
  return { cursor, back: rest.length > 0 ? rest.join(SEPARATOR) : undefined };
}
