/** A click event as stored in click_events and returned by its INSERT ... RETURNING. */
export interface StoredClick {
  eventId: string;
  linkId: string;
  /** Epoch milliseconds. */
  occurredAt: number;
  referrerHost: string | null;
  country: string | null;
  device: string;
  browser: string;
  os: string;
  isBot: boolean;
  visitorHash: string | null;
}

export type Dimension = 'country' | 'referrer' | 'device' | 'browser' | 'os';

/**
 * Dimension values for clicks that did not carry one. Real values cannot collide with them: countries
 * are two upper-case letters and a referrer host never contains parentheses.
 */
export const UNKNOWN_COUNTRY = 'unknown';
export const DIRECT_REFERRER = '(direct)';
/** link_dimensions_daily.value is capped at 255 characters by a CHECK constraint. */
export const DIMENSION_VALUE_MAX = 255;

export interface Counts {
  clicks: number;
  botClicks: number;
}

export interface ClickAggregates {
  /** linkId -> clicks, sorted by linkId. */
  links: Array<{ linkId: string; clicks: number }>;
  /** Sorted by (linkId, bucket). bucket: ISO timestamp of the UTC hour. */
  hourly: Array<{ linkId: string; bucket: string } & Counts>;
  /** Sorted by (linkId, bucket). bucket: UTC date YYYY-MM-DD. */
  daily: Array<{ linkId: string; bucket: string } & Counts>;
  /** Sorted by (linkId, bucket, dimension, value). */
  dimensions: Array<{ linkId: string; bucket: string; dimension: Dimension; value: string } & Counts>;
  /** Sorted by (linkId, bucket, visitorHash); isBot is false when any click of that visitor was human. */
  visitors: Array<{ linkId: string; bucket: string; visitorHash: string; isBot: boolean }>;
}

const HOUR_MS = 3_600_000;
// U+0000 cannot appear in a Postgres text value, so it cannot appear inside any key part either.
const SEP = '\u0000';

function utcHour(ms: number): string {
  return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString();
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function add(map: Map<string, Counts>, key: string, isBot: boolean): void {
  const counts = map.get(key);
  if (counts === undefined) {
    map.set(key, { clicks: 1, botClicks: isBot ? 1 : 0 });
  } else {
    counts.clicks += 1;
    if (isBot) counts.botClicks += 1;
  }
}

/**
 * Keys sorted in one fixed order, so two transactions upserting overlapping roll-up rows lock them in
 * the same order and cannot deadlock. Comparison by UTF-16 code units; only consistency matters.
 */
function sortedEntries<V>(map: Map<string, V>): Array<[string[], V]> {
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => [key.split(SEP), value]);
}

export function dimensionValue(value: string): string {
  return value.length <= DIMENSION_VALUE_MAX ? value : value.slice(0, DIMENSION_VALUE_MAX);
}

/** Pre-aggregates the clicks of one batch into the rows each roll-up table receives. */
export function aggregateClicks(clicks: readonly StoredClick[]): ClickAggregates {
  const links = new Map<string, Counts>();
  const hourly = new Map<string, Counts>();
  const daily = new Map<string, Counts>();
  const dimensions = new Map<string, Counts>();
  const visitors = new Map<string, boolean>();

  for (const click of clicks) {
    const day = utcDay(click.occurredAt);
    add(links, click.linkId, click.isBot);
    add(hourly, click.linkId + SEP + utcHour(click.occurredAt), click.isBot);
    add(daily, click.linkId + SEP + day, click.isBot);
    const values: Array<[Dimension, string]> = [
      ['country', click.country ?? UNKNOWN_COUNTRY],
      ['referrer', click.referrerHost ?? DIRECT_REFERRER],
      ['device', click.device],
      ['browser', click.browser],
      ['os', click.os],
    ];
    for (const [dimension, value] of values) {
      add(dimensions, [click.linkId, day, dimension, dimensionValue(value)].join(SEP), click.isBot);
    }
    if (click.visitorHash !== null) {
      const key = [click.linkId, day, click.visitorHash].join(SEP);
      visitors.set(key, (visitors.get(key) ?? true) && click.isBot);
    }
  }

  return {
    links: sortedEntries(links).map(([[linkId = ''], counts]) => ({ linkId, clicks: counts.clicks })),
    hourly: sortedEntries(hourly).map(([[linkId = '', bucket = ''], counts]) => ({
      linkId,
      bucket,
      ...counts,
    })),
    daily: sortedEntries(daily).map(([[linkId = '', bucket = ''], counts]) => ({
      linkId,
      bucket,
      ...counts,
    })),
    dimensions: sortedEntries(dimensions).map(
      ([[linkId = '', bucket = '', dimension = '', value = ''], counts]) => ({
        linkId,
        bucket,
        dimension: dimension as Dimension,
        value,
        ...counts,
      }),
    ),
    visitors: sortedEntries(visitors).map(([[linkId = '', bucket = '', visitorHash = ''], isBot]) => ({
      linkId,
      bucket,
      visitorHash,
      isBot,
    })),
  };
}
