import { type StatsFilters, validateFilters } from './stats-filters.ts';

/**
 * The view of an analytics page, kept in the URL's search params so a view can be shared: a range (a preset
 * or custom UTC days), an interval, whose clicks are counted (people, people and bots, bots only) and the
 * filters (stats-filters.ts). The API counts UTC hours and days
 * (docs/api.md), so ranges are whole UTC hours or days.
 */
export const RANGES = ['24h', '7d', '30d', '90d', 'custom'] as const;
export type RangeName = (typeof RANGES)[number];
export type Interval = 'hour' | 'day';

export const RANGE_LABELS: Record<RangeName, string> = {
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  custom: 'Custom dates',
};

export interface StatsSearch extends StatsFilters {
  range?: RangeName;
  interval?: Interval;
  /** Custom range: first and last UTC day, YYYY-MM-DD. */
  from?: string;
  to?: string;
  /** true: people and bots; 'only': bots only; absent: people only. */
  bots?: true | 'only';
}

const DEFAULT_RANGE: RangeName = '7d';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The API's bounds: hourly answers span at most 31 days, daily ones 731 days. */
const MAX_DAYS: Record<Interval, number> = { hour: 31, day: 731 };
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const isDay = (value: unknown): value is string =>
  typeof value === 'string' && DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));

/**
 * The router's validateSearch of the workspace's analytics: unknown or malformed params are dropped, so any
 * URL opens a view.
 */
export function validateStatsSearch(search: Record<string, unknown>): StatsSearch {
  return { ...validateRange(search), ...validateFilters(search, 'workspace') };
}

/** The same for a link's analytics, which take no link filters (tag, domain, campaign). */
export function validateLinkStatsSearch(search: Record<string, unknown>): StatsSearch {
  return { ...validateRange(search), ...validateFilters(search, 'link') };
}

function validateRange(search: Record<string, unknown>): StatsSearch {
  const out: StatsSearch = {};
  if (RANGES.includes(search.range as RangeName)) out.range = search.range as RangeName;
  if (search.interval === 'hour' || search.interval === 'day') out.interval = search.interval;
  if (isDay(search.from)) out.from = search.from;
  if (isDay(search.to)) out.to = search.to;
  if (search.bots === true || search.bots === 'true') out.bots = true;
  if (search.bots === 'only') out.bots = 'only';
  return out;
}

/** What GET /stats is asked, or why the view cannot be asked for. */
export type ResolvedRange =
  | {
      ok: true;
      range: RangeName;
      interval: Interval;
      /** The UTC days shown, for the custom date fields. */
      firstDay: string;
      lastDay: string;
      /** Whether an hourly view fits the range (≤ 31 days). */
      hourAllowed: boolean;
      /** `bot: true` (bots only) replaces includeBots: the API refuses both together. */
      query: { from: string; to?: string; interval: Interval; includeBots?: boolean; bot?: true };
    }
  | { ok: false; message: string };

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Turns the view into the API's query. Presets end now and start on a whole UTC hour (last 24 hours: 24
 * hourly buckets, this one included) or a whole UTC day (last 7 days: today and the 6 before), so the
 * query — and its cache key — stays the same within an hour.
 */
export function resolveRange(search: StatsSearch, now: number): ResolvedRange {
  const range = search.range ?? DEFAULT_RANGE;
  const bots = search.bots === 'only' ? { bot: true as const } : { includeBots: search.bots === true };
  if (range === 'custom') {
    const { from, to } = search;
    if (!from || !to) return { ok: false, message: 'Choose the first and the last day of the range.' };
    const start = Date.parse(`${from}T00:00:00.000Z`);
    const end = Date.parse(`${to}T23:59:59.999Z`);
    if (start > end) return { ok: false, message: 'The first day must not be after the last day.' };
    const days = Math.round((end + 1 - start) / DAY_MS);
    if (days > MAX_DAYS.day) return { ok: false, message: 'A range spans at most 731 days.' };
    const hourAllowed = days <= MAX_DAYS.hour;
    const interval = search.interval === 'hour' && hourAllowed ? 'hour' : 'day';
    return {
      ok: true,
      range,
      interval,
      firstDay: from,
      lastDay: to,
      hourAllowed,
      query: { from: new Date(start).toISOString(), to: new Date(end).toISOString(), interval, ...bots },
    };
  }
  const days = range === '24h' ? 1 : Number.parseInt(range, 10);
  const hourAllowed = days <= MAX_DAYS.hour;
  const wanted: Interval = search.interval ?? (range === '24h' ? 'hour' : 'day');
  const interval: Interval = wanted === 'hour' && !hourAllowed ? 'day' : wanted;
  const start =
    range === '24h'
      ? Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS
      : Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
  return {
    ok: true,
    range,
    interval,
    firstDay: dayOf(start),
    lastDay: dayOf(now),
    hourAllowed,
    query: { from: new Date(start).toISOString(), interval, ...bots },
  };
}
