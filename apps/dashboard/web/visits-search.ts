import { VARIANT_NAME } from './ui/stats-filters.ts';
import type { ResolvedRange, StatsSearch } from './ui/stats-range.ts';

/**
 * The view of a visits page in the URL's search params (/visits?range=7d&country=DE&bot=false…), so a
 * filtered list can be bookmarked and shared. The filters take the values the stats report
 * (docs/api.md, visits): a country's two letters or `unknown`, a referrer host or `(direct)`, device,
 * browser and OS names as the stats name them, an A/B variant's name.
 */
export const VISIT_RANGES = ['all', '24h', '7d', '30d', 'custom'] as const;
export type VisitRange = (typeof VISIT_RANGES)[number];

export const TEXT_FILTERS = ['country', 'referrer', 'device', 'browser', 'os', 'variant'] as const;
export type TextFilter = (typeof TEXT_FILTERS)[number];

export interface VisitsSearch {
  range?: Exclude<VisitRange, 'all'>;
  /** Custom range: first and last UTC day, YYYY-MM-DD. */
  from?: string;
  to?: string;
  country?: string;
  referrer?: string;
  device?: string;
  browser?: string;
  os?: string;
  /** An A/B variant's name: the visits sent to a variant of that name. */
  variant?: string;
  /** Only bots (true) or only people (false); both when absent. */
  bot?: boolean;
}

/** The filters as GET /visits and its export take them. */
export interface VisitsQuery {
  from?: string;
  to?: string;
  country?: string;
  referrer?: string;
  device?: string;
  browser?: string;
  os?: string;
  variant?: string;
  bot?: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const COUNTRY = /^([A-Za-z]{2}|unknown)$/;

const isDay = (value: unknown): value is string =>
  typeof value === 'string' && DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));

/** A filter's value as typed, or what is wrong with it (the API's bounds). */
export function checkFilter(name: TextFilter, raw: string): { value?: string } | { problem: string } {
  const value = raw.trim();
  if (value === '') return {};
  if (name === 'country') {
    return COUNTRY.test(value)
      ? { value: value === 'unknown' ? value : value.toUpperCase() }
      : { problem: 'Country: two letters such as DE, or "unknown".' };
  }
  if (name === 'variant') {
    return VARIANT_NAME.test(value)
      ? { value }
      : { problem: 'Variant: a variant name, 1 to 32 of a-z, 0-9, _ and - (lower case, no spaces).' };
  }
  if (value.length > 255) return { problem: `${FILTER_LABELS[name]}: at most 255 characters.` };
  return { value };
}

export const FILTER_LABELS: Record<TextFilter, string> = {
  country: 'Country',
  referrer: 'Referrer',
  device: 'Device',
  browser: 'Browser',
  os: 'Operating system',
  variant: 'Variant',
};

/** The router's validateSearch: unknown or malformed params are dropped, so any URL opens a view. */
export function validateVisitsSearch(search: Record<string, unknown>): VisitsSearch {
  const out: VisitsSearch = {};
  const range = search.range;
  if (range === '24h' || range === '7d' || range === '30d' || range === 'custom') out.range = range;
  if (out.range === 'custom') {
    if (isDay(search.from)) out.from = search.from;
    if (isDay(search.to)) out.to = search.to;
  }
  for (const name of TEXT_FILTERS) {
    const raw = search[name];
    if (typeof raw !== 'string') continue;
    const checked = checkFilter(name, raw);
    if ('value' in checked && checked.value !== undefined) out[name] = checked.value;
  }
  if (search.bot === true || search.bot === 'true') out.bot = true;
  if (search.bot === false || search.bot === 'false') out.bot = false;
  return out;
}

/**
 * The visits behind an analytics view: its filters, whose clicks it counts (people only unless it says
 * otherwise) and its range. The last 24 hours are the same hours on both pages; any other range becomes its
 * UTC days, which is what the analytics count (their "last 7 days" are today and the 6 days before, the visits'
 * preset the last 168 hours).
 */
export function visitsSearchOf(search: StatsSearch, resolved: ResolvedRange): VisitsSearch {
  const out: VisitsSearch = {};
  if (resolved.ok) {
    if (resolved.range === '24h') out.range = '24h';
    else Object.assign(out, { range: 'custom', from: resolved.firstDay, to: resolved.lastDay });
  }
  for (const name of TEXT_FILTERS) {
    const value = search[name];
    if (value !== undefined) out[name] = value;
  }
  if (search.bots === undefined) out.bot = false;
  else if (search.bots === 'only') out.bot = true;
  return out;
}
