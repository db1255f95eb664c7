import { describe, expect, it } from 'vitest';
import { aggregateClicks, DIRECT_REFERRER, type StoredClick, UNKNOWN_COUNTRY } from './aggregate-clicks.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const t0 = Date.UTC(2025, 0, 31, 23, 30);

function click(overrides: Partial<StoredClick>): StoredClick {
  return {
    eventId: crypto.randomUUID(),
    linkId: A,
    occurredAt: t0,
    referrerHost: 'news.example',
    country: 'DE',
    device: 'desktop',
    browser: 'Firefox',
    os: 'Linux',
    isBot: false,
    visitorHash: 'v1',
    ...overrides,
  };
}

describe('aggregateClicks', () => {
  it('groups clicks by link, UTC hour and day, counting bots separately', () => {
    const agg = aggregateClicks([
      click({ linkId: B }),
      click({}),
      click({ isBot: true }),
      click({ occurredAt: t0 + 45 * 60_000 }), // next hour, next UTC day
    ]);
    expect(agg.links).toEqual([
      { linkId: A, clicks: 3 },
      { linkId: B, clicks: 1 },
    ]);
    expect(agg.hourly).toEqual([
      { linkId: A, bucket: '2025-01-31T23:00:00.000Z', clicks: 2, botClicks: 1 },
      { linkId: A, bucket: '2025-02-01T00:00:00.000Z', clicks: 1, botClicks: 0 },
      { linkId: B, bucket: '2025-01-31T23:00:00.000Z', clicks: 1, botClicks: 0 },
    ]);
    expect(agg.daily.map((r) => [r.linkId, r.bucket, r.clicks])).toEqual([
      [A, '2025-01-31', 2],
      [A, '2025-02-01', 1],
      [B, '2025-01-31', 1],
    ]);
  });

  it('names missing countries and referrers and sorts every key', () => {
    const agg = aggregateClicks([click({ country: null, referrerHost: null, visitorHash: null }), click({})]);
    const countries = agg.dimensions.filter((d) => d.dimension === 'country').map((d) => d.value);
    expect(countries).toEqual(['DE', UNKNOWN_COUNTRY]);
    expect(agg.dimensions.some((d) => d.dimension === 'referrer' && d.value === DIRECT_REFERRER)).toBe(true);
    const keys = agg.dimensions.map((d) => `${d.linkId}|${d.bucket}|${d.dimension}|${d.value}`);
    expect(keys).toEqual([...keys].sort());
    expect(agg.visitors).toHaveLength(1);
  });

  it('marks a visitor human when any of its clicks in the batch was human', () => {
    const agg = aggregateClicks([
      click({ isBot: true }),
      click({ isBot: false }),
      click({ visitorHash: 'v2', isBot: true }),
    ]);
    expect(agg.visitors.map((v) => [v.visitorHash, v.isBot])).toEqual([
      ['v1', false],
      ['v2', true],
    ]);
  });
});
