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

interface Buckets {
  hour: string;
  day: string;
}

interface Keyed {
  key: string;
}

function compareKeys(a: Keyed, b: Keyed): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Rows sorted by key in one fixed order, so two transactions upserting overlapping roll-up rows lock
 * them in the same order and cannot deadlock. Comparison by UTF-16 code units; only consistency matters.
 */
function sortedRows<R extends Keyed>(map: Map<string, R>): Array<Omit<R, 'key'>> {
  return [...map.values()].sort(compareKeys).map(({ key: _key, ...row }) => row);
}

export function dimensionValue(value: string): string {
  return value.length <= DIMENSION_VALUE_MAX ? value : value.slice(0, DIMENSION_VALUE_MAX);
}

/**
 * Pre-aggregates the clicks of one batch into the rows each roll-up table receives. Runs for every
 * click of every batch, so it avoids per-click allocations it can: buckets are computed once per hour,
 * and each row object is built once and found again by a string key.
 */
export function aggregateClicks(clicks: readonly StoredClick[]): ClickAggregates {
  const bucketsByHour = new Map<number, Buckets>();
  const links = new Map<string, Keyed & { linkId: string; clicks: number }>();
  const hourly = new Map<string, Keyed & { linkId: string; bucket: string } & Counts>();
  const daily = new Map<string, Keyed & { linkId: string; bucket: string } & Counts>();
  const dimensions = new Map<string, Keyed & ClickAggregates['dimensions'][number]>();
  const visitors = new Map<string, Keyed & ClickAggregates['visitors'][number]>();

  const countDimension = (linkId: string, day: string, dimension: Dimension, raw: string, isBot: boolean) => {
    const value = dimensionValue(raw);
    const key = `${linkId}${SEP}${day}${SEP}${dimension}${SEP}${value}`;
    const row = dimensions.get(key);
    if (row === undefined) {
      dimensions.set(key, {
        key,
        linkId,
        bucket: day,
        dimension,
        value,
        clicks: 1,
        botClicks: isBot ? 1 : 0,
      });
    } else {
      row.clicks += 1;
      if (isBot) row.botClicks += 1;
    }
  };

  for (const click of clicks) {
    const hourStart = Math.floor(click.occurredAt / HOUR_MS) * HOUR_MS;
    let buckets = bucketsByHour.get(hourStart);
    if (buckets === undefined) {
      const iso = new Date(hourStart).toISOString();
      buckets = { hour: iso, day: iso.slice(0, 10) };
      bucketsByHour.set(hourStart, buckets);
    }
    const { linkId, isBot } = click;
    const bot = isBot ? 1 : 0;

    const link = links.get(linkId);
    if (link === undefined) links.set(linkId, { key: linkId, linkId, clicks: 1 });
    else link.clicks += 1;

    const hourKey = `${linkId}${SEP}${buckets.hour}`;
    const hour = hourly.get(hourKey);
    if (hour === undefined)
      hourly.set(hourKey, { key: hourKey, linkId, bucket: buckets.hour, clicks: 1, botClicks: bot });
    else {
      hour.clicks += 1;
      hour.botClicks += bot;
    }

    const dayKey = `${linkId}${SEP}${buckets.day}`;
    const day = daily.get(dayKey);
    if (day === undefined)
      daily.set(dayKey, { key: dayKey, linkId, bucket: buckets.day, clicks: 1, botClicks: bot });
    else {
      day.clicks += 1;
      day.botClicks += bot;
    }

    countDimension(linkId, buckets.day, 'country', click.country ?? UNKNOWN_COUNTRY, isBot);
    countDimension(linkId, buckets.day, 'referrer', click.referrerHost ?? DIRECT_REFERRER, isBot);
    countDimension(linkId, buckets.day, 'device', click.device, isBot);
    countDimension(linkId, buckets.day, 'browser', click.browser, isBot);
    countDimension(linkId, buckets.day, 'os', click.os, isBot);

    if (click.visitorHash !== null) {
      const key = `${linkId}${SEP}${buckets.day}${SEP}${click.visitorHash}`;
      const visitor = visitors.get(key);
      if (visitor === undefined) {
        visitors.set(key, { key, linkId, bucket: buckets.day, visitorHash: click.visitorHash, isBot });
      } else if (!isBot) {
        visitor.isBot = false;
      }
    }
  }

  return {
    links: sortedRows(links),
    hourly: sortedRows(hourly),
    daily: sortedRows(daily),
    dimensions: sortedRows(dimensions),
    visitors: sortedRows(visitors),
  };
}
