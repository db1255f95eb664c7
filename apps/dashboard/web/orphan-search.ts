/** The orphan visits view in the URL (/orphan-visits?domain=…&kind=…&range=…), so it can be shared. */
export const ORPHAN_KINDS = ['not-found', 'root', 'gone'] as const;
export type OrphanKind = (typeof ORPHAN_KINDS)[number];
export const ORPHAN_RANGES = ['all', '24h', '7d', '30d'] as const;
export type OrphanRange = (typeof ORPHAN_RANGES)[number];

export interface OrphanSearch {
  domain?: string;
  kind?: OrphanKind;
  range?: Exclude<OrphanRange, 'all'>;
}

const DOMAIN = /^[A-Za-z0-9.:[\]-]{1,259}$/;

/** The router's validateSearch: unknown or malformed params are dropped, so any URL opens a view. */
export function validateOrphanSearch(search: Record<string, unknown>): OrphanSearch {
  const out: OrphanSearch = {};
  if (typeof search.domain === 'string' && DOMAIN.test(search.domain.trim())) {
    out.domain = search.domain.trim().toLowerCase();
  }
  if (ORPHAN_KINDS.includes(search.kind as OrphanKind)) out.kind = search.kind as OrphanKind;
  if (search.range === '24h' || search.range === '7d' || search.range === '30d') out.range = search.range;
  return out;
}

export const isDomainFilter = (value: string): boolean => DOMAIN.test(value);
