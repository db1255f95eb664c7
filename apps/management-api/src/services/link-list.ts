import type { Db } from '@boltlink/db/client';
import { links } from '@boltlink/db/schema';
import {
  and,
  arrayContains,
  desc,
  eq,
  getTableColumns,
  ilike,
  inArray,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { AppError } from '../errors.ts';
import { DEFAULT_PAGE_SIZE } from '../schemas/common.ts';
import { type LinkView, type ListLinksQuery, MAX_LIST_IDS } from '../schemas/links.ts';
import { toLinkView } from './link-view.ts';

interface CursorV1 {
  /** created_at with microseconds, as Postgres stores it: a JS Date would drop them and skip rows. */
  t: string;
  id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: CursorV1): string {
  return Buffer.from(JSON.stringify([1, cursor.t, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string): CursorV1 {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && value[0] === 1) {
      const [, t, id] = value as [number, unknown, unknown];
      if (
        typeof t === 'string' &&
        TIMESTAMP.test(t) &&
        // A forged year 0000 or 9999+ would reach Postgres as an invalid timestamp.
        Date.parse(t) >= 0 &&
        Date.parse(t) < Date.UTC(10000, 0, 1) &&
        typeof id === 'string' &&
        UUID.test(id)
      ) {
        return { t, id };
      }
    }
  } catch {
    // fall through to the 400 below
  }
  throw new AppError('validation_failed', 'cursor: is not a cursor returned by this API');
}

/** `?ids=a,b,…`: each a uuid (lower-cased, repeats dropped), at most MAX_LIST_IDS of them. */
export function parseLinkIds(raw: string): string[] {
  const items = raw.split(',').map((item) => item.trim());
  const bad = items.find((item) => !UUID.test(item));
  if (bad !== undefined) {
    const shown = bad.length > 40 ? `${bad.slice(0, 37)}...` : bad;
    throw new AppError('validation_failed', `ids: ${JSON.stringify(shown)} is not a link id (a uuid)`);
  }
  const ids = [...new Set(items.map((item) => item.toLowerCase()))];
  if (ids.length > MAX_LIST_IDS) {
    throw new AppError('validation_failed', `ids: at most ${MAX_LIST_IDS} link ids (got ${ids.length})`);
  }
  return ids;
}

/** `%` and `_` in a search are literal characters, not wildcards. */
export const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Keyset pagination over (created_at, id) descending, walking the (workspace_id, created_at desc, id desc)
 * index. A link inserted while a client pages is newer than every cursor already handed out, so it never
 * shifts later pages: each existing link is returned exactly once.
 */
export async function listLinks(
  db: Db,
  workspaceId: string,
  query: ListLinksQuery,
  scheme: string,
): Promise<{ items: LinkView[]; nextCursor: string | null }> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const conditions: SQL[] = [eq(links.workspaceId, workspaceId)];
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(query.cursor);
    conditions.push(sql`(${links.createdAt}, ${links.id}) < (${cursor.t}::timestamptz, ${cursor.id}::uuid)`);
  }
  if (query.ids !== undefined) conditions.push(inArray(links.id, parseLinkIds(query.ids)));
  if (query.tag !== undefined) conditions.push(arrayContains(links.tags, [query.tag]));
  if (query.campaignId !== undefined) conditions.push(eq(links.campaignId, query.campaignId));
  // Stored domains are lower-case (custom hostnames) or as configured (SHORT_DOMAINS): compare as the edge does.
  if (query.domain !== undefined)
    conditions.push(sql`lower(${links.domain}) = ${query.domain.toLowerCase()}`);
  if (query.q !== undefined && query.q.trim() !== '') {
    const pattern = `%${escapeLike(query.q.trim())}%`;
    const match = or(ilike(links.url, pattern), ilike(links.title, pattern), ilike(links.code, pattern));
    if (match) conditions.push(match);
  }
  const rows = await db
    .select({
      ...getTableColumns(links),
      cursorTime: sql<string>`to_char(${links.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(links)
    .where(and(...conditions))
    .orderBy(desc(links.createdAt), desc(links.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ t: last.cursorTime, id: last.id }) : null;
  return { items: page.map(({ cursorTime: _, ...link }) => toLinkView(link, scheme)), nextCursor };
}
