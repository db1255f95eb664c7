import { TEXT_FILTERS, type VisitRange, type VisitsQuery, type VisitsSearch } from '../visits-search.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const VISIT_RANGE_LABELS: Record<VisitRange, string> = {
  all: 'Everything kept',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom dates',
};

/**
 * What GET /visits is asked, or why the view cannot be asked for. Presets start on a whole UTC hour, so the
 * query (and its cache key) stays the same within the hour; a custom range runs from its first UTC day's
 * start to the end of its last (the API's `to` is exclusive).
 */
export function visitsQuery(
  search: VisitsSearch,
  now: number,
): { ok: true; query: VisitsQuery } | { ok: false; message: string } {
  const query: VisitsQuery = {};
  const range = search.range ?? 'all';
  if (range === 'custom') {
    if (!search.from || !search.to) return { ok: false, message: 'Choose the first and the last day.' };
    const start = Date.parse(`${search.from}T00:00:00.000Z`);
    const end = Date.parse(`${search.to}T00:00:00.000Z`) + DAY_MS;
    if (start >= end) return { ok: false, message: 'The first day must not be after the last day.' };
    query.from = new Date(start).toISOString();
    query.to = new Date(end).toISOString();
  } else if (range !== 'all') {
    const hours = range === '24h' ? 24 : Number.parseInt(range, 10) * 24;
    query.from = new Date(Math.floor(now / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS).toISOString();
  }
  for (const name of TEXT_FILTERS) {
    const value = search[name];
    if (value !== undefined) query[name] = value;
  }
  if (search.bot !== undefined) query.bot = search.bot;
  return { ok: true, query };
}

/** "kept for the last 90 days", said from the API's rawEventsSince. */
export function keptSince(rawEventsSince: string, now: number): string {
  const days = Math.max(1, Math.round((now - Date.parse(rawEventsSince)) / DAY_MS));
  return days === 1 ? 'the last day' : `the last ${days} days`;
}
