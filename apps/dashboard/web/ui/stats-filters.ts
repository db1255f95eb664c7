/**
 * The filters of the analytics pages (docs/api.md, "Filtered stats"), kept in the URL beside the range: the
 * visit filters both stats endpoints take, with the values the stats report (a country's two letters or
 * `unknown`, a referrer host or `(direct)`, device, browser and OS names, a variant name), and the link
 * filters of the workspace's page (tag, domain, campaign). Each is validated with the API's own bounds, so a
 * hand-edited URL opens a view instead of a 400.
 */
export const VISIT_FILTERS = ['country', 'referrer', 'device', 'browser', 'os', 'variant'] as const;
export type VisitFilter = (typeof VISIT_FILTERS)[number];
export const LINK_FILTERS = ['tag', 'domain', 'campaignId'] as const;
export type LinkFilter = (typeof LINK_FILTERS)[number];
export type StatsFilter = VisitFilter | LinkFilter;

export type StatsFilters = Partial<Record<StatsFilter, string>>;

const COUNTRY = /^([A-Za-z]{2}|unknown)$/;
/** The API's variant names (docs/api.md, A/B splits). */
export const VARIANT_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A filter's value as the API takes it, or undefined when the URL's value is not one it would accept. */
export function filterValue(name: StatsFilter, raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  if (value === '') return undefined;
  switch (name) {
    case 'country':
      return COUNTRY.test(value) ? (value === 'unknown' ? value : value.toUpperCase()) : undefined;
    case 'variant':
      return VARIANT_NAME.test(value) ? value : undefined;
    case 'tag':
      return value.length <= 32 ? value : undefined;
    case 'domain':
      return value.length <= 259 ? value.toLowerCase() : undefined;
    case 'campaignId':
      return UUID.test(value) ? value.toLowerCase() : undefined;
    default:
      return value.length <= 255 ? value : undefined;
  }
}

/** The filters a URL names, each checked; `scope` link drops the workspace's link filters. */
export function validateFilters(search: Record<string, unknown>, scope: 'workspace' | 'link'): StatsFilters {
  const out: StatsFilters = {};
  const names: readonly StatsFilter[] =
    scope === 'link' ? VISIT_FILTERS : [...VISIT_FILTERS, ...LINK_FILTERS];
  for (const name of names) {
    const value = filterValue(name, search[name]);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The filters of a view as the stats endpoint of `scope` takes them. */
export function filtersOf(search: StatsFilters, scope: 'workspace' | 'link'): StatsFilters {
  return validateFilters(search as Record<string, unknown>, scope);
}

/** The filters of a view, in the order chips show them. */
export function activeFilters(search: StatsFilters): { name: StatsFilter; value: string }[] {
  return [...LINK_FILTERS, ...VISIT_FILTERS].flatMap((name) => {
    const value = search[name];
    return value === undefined ? [] : [{ name, value }];
  });
}

/** The view without any filter (range, interval and bots kept). */
export function withoutFilters<T extends StatsFilters>(search: T): T {
  const out = { ...search };
  for (const name of [...VISIT_FILTERS, ...LINK_FILTERS]) delete out[name];
  return out;
}

/** The view without the workspace's link filters: what a link's own analytics may be asked. */
export function withoutLinkFilters<T extends StatsFilters>(search: T): T {
  const out = { ...search };
  for (const name of LINK_FILTERS) delete out[name];
  return out;
}
