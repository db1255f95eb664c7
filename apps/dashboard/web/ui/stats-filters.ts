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

export const FILTER_LABELS: Record<StatsFilter, string> = {
  country: 'Country',
  referrer: 'Referrer',
  device: 'Device',
  browser: 'Browser',
  os: 'Operating system',
  variant: 'Variant',
  tag: 'Tag',
  domain: 'Domain',
  campaignId: 'Campaign',
};

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

/** Whether the view counts raw click events (a visit filter), which are kept for a limited time. */
export const countsRawEvents = (search: StatsFilters): boolean =>
  VISIT_FILTERS.some((name) => search[name] !== undefined);

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

const regionNames = /* @__PURE__ */ new Intl.DisplayNames(undefined, { type: 'region', fallback: 'code' });

/**
 * A value as people read it: a country's name, "Direct" for no referrer. The consumer stores `unknown` for a
 * country it could not tell and `(direct)` for a visit without a referrer.
 */
export function valueLabel(name: StatsFilter, value: string): string {
  if (value === '(direct)') return 'Direct (no referrer)';
  if (value === '' || value === 'unknown') return 'Unknown';
  if (name === 'country' && /^[A-Z]{2}$/.test(value)) {
    try {
      return regionNames.of(value) ?? value;
    } catch {
      return value;
    }
  }
  return value;
}

const dayFormat = /* @__PURE__ */ new Intl.DateTimeFormat(undefined, {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});
const DAY_MS = 86_400_000;

/**
 * Where the figures were counted, in words (the answer's `source`, `rawEventsSince`, `clampedToRawEvents`):
 * filtered figures come from raw visits, which are kept for a number of days only.
 */
export function sourceText(
  answer: { source: 'rollups' | 'events'; rawEventsSince: string; clampedToRawEvents: boolean; from: string },
  now: number,
): string {
  const since = Date.parse(answer.rawEventsSince);
  // Kept in whole UTC days: the first day kept is that many days before today.
  const days = Math.max(1, Math.floor((now - since) / DAY_MS));
  const sinceDay = dayFormat.format(new Date(since));
  if (answer.source === 'rollups') {
    return `Counted from the daily totals, which are kept for good. Filters by visitor (country, referrer, device, browser, system, variant) count single visits instead, which are kept for ${days} days: since ${sinceDay}.`;
  }
  const base = `Filtered figures come from single visits, kept for ${days} days: since ${sinceDay}.`;
  return answer.clampedToRawEvents
    ? `${base} This range starts earlier, so these figures start on ${dayFormat.format(new Date(answer.from))}.`
    : base;
}

/**
 * What a failed stats request means for the person: the API's 503 (a filtered count that took too long) says
 * what to narrow; anything else is the API's own detail.
 */
export function statsProblem(
  status: number,
  detail: string | undefined,
  scope: 'workspace' | 'link',
): string {
  if (status === 503) {
    return scope === 'workspace'
      ? 'These filters ask for more single visits than can be counted in time. Narrow them: choose a shorter range, or fewer links with a tag, a domain or a campaign.'
      : 'These filters ask for more single visits than can be counted in time. Choose a shorter range.';
  }
  return detail ?? 'Could not load the analytics.';
}
