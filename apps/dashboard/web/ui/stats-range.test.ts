import { describe, expect, it } from 'vitest';
import { resolveRange, validateStatsSearch } from './stats-range.ts';

const NOW = Date.parse('2026-12-07T10:42:17.000Z');

describe('the analytics view in the URL', () => {
  it('opens any URL: unknown ranges, intervals and malformed days are dropped', () => {
    expect(
      validateStatsSearch({
        range: 'forever',
        interval: 'minute',
        from: '2026-13-45',
        to: 'yesterday',
        bots: 'yes',
      }),
    ).toEqual({});
    expect(
      validateStatsSearch({ range: 'custom', from: '2026-11-01', to: '2026-11-30', bots: true }),
    ).toEqual({
      range: 'custom',
      from: '2026-11-01',
      to: '2026-11-30',
      bots: true,
    });
  });

  it('shows the last 7 days by day, today included, when the URL says nothing', () => {
    const view = resolveRange({}, NOW);
    expect(view).toMatchObject({
      ok: true,
      range: '7d',
      interval: 'day',
      firstDay: '2026-12-01',
      lastDay: '2026-12-07',
    });
    expect(view.ok && view.query).toEqual({
      from: '2026-12-01T00:00:00.000Z',
      interval: 'day',
      includeBots: false,
    });
  });

  it('asks the last 24 hours as 24 whole hourly buckets, this hour the last', () => {
    const view = resolveRange({ range: '24h', bots: true }, NOW);
    expect(view.ok && view.query).toEqual({
      from: '2026-12-06T11:00:00.000Z',
      interval: 'hour',
      includeBots: true,
    });
  });

  it('counts by day past the 31 days the API answers by hour', () => {
    const view = resolveRange({ range: '90d', interval: 'hour' }, NOW);
    expect(view).toMatchObject({ ok: true, interval: 'day', hourAllowed: false });
    expect(resolveRange({ range: '30d', interval: 'hour' }, NOW)).toMatchObject({
      ok: true,
      interval: 'hour',
    });
  });

  it('asks a custom range as whole UTC days, from the first to the end of the last', () => {
    const view = resolveRange(
      { range: 'custom', from: '2026-11-01', to: '2026-11-03', interval: 'hour' },
      NOW,
    );
    expect(view.ok && view.query).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-03T23:59:59.999Z',
      interval: 'hour',
      includeBots: false,
    });
  });

  it('explains a custom range the API would refuse instead of asking it', () => {
    expect(resolveRange({ range: 'custom', from: '2026-11-10', to: '2026-11-01' }, NOW)).toEqual({
      ok: false,
      message: 'The first day must not be after the last day.',
    });
    expect(resolveRange({ range: 'custom', from: '2020-01-01', to: '2026-11-01' }, NOW)).toEqual({
      ok: false,
      message: 'A range spans at most 731 days.',
    });
    expect(resolveRange({ range: 'custom' }, NOW)).toMatchObject({ ok: false });
  });
});
