import { describe, expect, it } from 'vitest';
import { dayWindows, resolveVisitFilters } from './visits-service.ts';

const iso = (windows: { from: Date; to: Date }[]) =>
  windows.map((w) => [w.from.toISOString(), w.to.toISOString()]);

describe('dayWindows', () => {
  it('cuts a range into its UTC days, newest first, clipped at both ends', () => {
    expect(iso(dayWindows(new Date('2026-12-05T18:00:00Z'), new Date('2026-12-07T06:00:00Z')))).toEqual([
      ['2026-12-07T00:00:00.000Z', '2026-12-07T06:00:00.000Z'],
      ['2026-12-06T00:00:00.000Z', '2026-12-07T00:00:00.000Z'],
      ['2026-12-05T18:00:00.000Z', '2026-12-06T00:00:00.000Z'],
    ]);
  });

  it('does not add an empty day when the range ends at midnight, and starts from a cursor day', () => {
    const from = new Date('2026-12-01T00:00:00Z');
    const to = new Date('2026-12-03T00:00:00Z');
    expect(iso(dayWindows(from, to))).toEqual([
      ['2026-12-02T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
      ['2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z'],
    ]);
    expect(iso(dayWindows(from, to, Date.parse('2026-12-01T10:00:00Z')))).toEqual([
      ['2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z'],
    ]);
    expect(dayWindows(to, to)).toEqual([]);
  });
});

describe('resolveVisitFilters', () => {
  const now = new Date('2026-12-07T13:48:00Z');

  it('lists from the start of the raw data kept by default, and never from before it', () => {
    const filters = resolveVisitFilters({}, now, 90);
    expect(filters.rawEventsSince.toISOString()).toBe('2026-09-08T00:00:00.000Z');
    expect(filters.from).toEqual(filters.rawEventsSince);
    expect(filters.to).toEqual(now);
    expect(resolveVisitFilters({ from: '2020-01-01' }, now, 90).from).toEqual(filters.rawEventsSince);
    expect(resolveVisitFilters({ from: '2026-12-01' }, now, 90).from.toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
  });

  it('reads unknown and (direct) as no country and no referrer, and country codes in any case', () => {
    expect(resolveVisitFilters({ country: 'unknown', referrer: '(direct)' }, now, 90)).toMatchObject({
      country: null,
      referrer: null,
    });
    expect(resolveVisitFilters({ country: 'de', referrer: 'news.example' }, now, 90)).toMatchObject({
      country: 'DE',
      referrer: 'news.example',
    });
  });

  it('refuses a range that ends before it starts and dates that are not dates', () => {
    expect(() => resolveVisitFilters({ from: '2026-12-07', to: '2026-12-06' }, now, 90)).toThrow(
      /from: must not be after to/,
    );
    expect(() => resolveVisitFilters({ to: 'yesterday' }, now, 90)).toThrow(/^to:/);
  });
});
