import type { Pool } from 'pg';
import type { PageMetadata } from './html-metadata.ts';

export type StoreOutcome = 'stored' | 'nothing_to_store' | 'link_gone';

// Each column is filled only where the user left it empty: a title typed by the user (or set by a PATCH
// that raced this job) is never overwritten. updated_at moves only when something actually changed.
const FILL_EMPTY_FIELDS = `
  UPDATE links SET
    title = CASE WHEN coalesce(title, '') = '' THEN coalesce($2, title) ELSE title END,
    description = CASE WHEN coalesce(description, '') = '' THEN coalesce($3, description) ELSE description END,
    image = CASE WHEN coalesce(image, '') = '' THEN coalesce($4, image) ELSE image END,
    updated_at = now()
  WHERE id = $1
    AND ((coalesce(title, '') = '' AND $2::text IS NOT NULL)
      OR (coalesce(description, '') = '' AND $3::text IS NOT NULL)
      OR (coalesce(image, '') = '' AND $4::text IS NOT NULL))
  RETURNING id`;

const LINK_EXISTS = 'SELECT 1 FROM links WHERE id = $1';

export async function storeMetadata(
  pool: Pool,
  linkId: string,
  metadata: PageMetadata,
): Promise<StoreOutcome> {
  const updated = await pool.query(FILL_EMPTY_FIELDS, [
    linkId,
    metadata.title,
    metadata.description,
    metadata.image,
  ]);
  if ((updated.rowCount ?? 0) > 0) return 'stored';
  const exists = await pool.query(LINK_EXISTS, [linkId]);
  return exists.rowCount === 0 ? 'link_gone' : 'nothing_to_store';
}
