import type { Pool } from 'pg';
import type { PageMetadata } from './html-metadata.ts';

export type StoreOutcome = 'stored' | 'nothing_to_store' | 'link_gone' | 'link_changed';

// Each column is filled only where the user left it empty: a title typed by the user (or set by a PATCH
// that raced this job) is never overwritten. updated_at moves only when something actually changed.
// Only while the link still points at the page that was fetched: a job queued before the destination
// changed must not describe the new destination with the old page (the change queued its own job).
const FILL_EMPTY_FIELDS = `
  UPDATE links SET
    title = CASE WHEN coalesce(title, '') = '' THEN coalesce($2, title) ELSE title END,
    description = CASE WHEN coalesce(description, '') = '' THEN coalesce($3, description) ELSE description END,
    image = CASE WHEN coalesce(image, '') = '' THEN coalesce($4, image) ELSE image END,
    updated_at = now()
  WHERE id = $1
    AND url = $5
    AND ((coalesce(title, '') = '' AND $2::text IS NOT NULL)
      OR (coalesce(description, '') = '' AND $3::text IS NOT NULL)
      OR (coalesce(image, '') = '' AND $4::text IS NOT NULL))
  RETURNING id`;

const LINK_URL = 'SELECT url FROM links WHERE id = $1';

/** Stores what was found on `url` (the destination the job was queued for) into the link's empty fields. */
export async function storeMetadata(
  pool: Pool,
  linkId: string,
  url: string,
  metadata: PageMetadata,
): Promise<StoreOutcome> {
  const updated = await pool.query(FILL_EMPTY_FIELDS, [
    linkId,
    metadata.title,
    metadata.description,
    metadata.image,
    url,
  ]);
  if ((updated.rowCount ?? 0) > 0) return 'stored';
  const current = await pool.query<{ url: string }>(LINK_URL, [linkId]);
  const row = current.rows[0];
  if (row === undefined) return 'link_gone';
  return row.url === url ? 'nothing_to_store' : 'link_changed';
}
