import type { StatsFilter } from './stats-filters.ts';

/**
 * The analytics filters and answers in words: a filter's name and value as people read them, where the
 * figures were counted, and what a failed request means. Apart from stats-filters.ts (which the router's
 * first chunk holds, for validateSearch) so that only the analytics pages' chunks carry them.
 */
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
