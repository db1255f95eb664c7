import { describe, expect, it } from 'vitest';
import { keptSince, visitsQuery } from './pages/visits-query.ts';
import { resolveRange } from './ui/stats-range.ts';
import { checkFilter, validateVisitsSearch, visitsSearchOf } from './visits-search.ts';

const NOW = Date.parse('2026-12-07T16:40:12.345Z');

describe('the visits view in the URL', () => {
  it('keeps the filters a shared URL names, and drops what the API would refuse', () => {
    expect(
      validateVisitsSearch({
        range: 'custom',
        from: '2026-11-01',
        to: '2026-11-30',
        country: 'de',
        referrer: ' news.example ',
        device: 'mobile',
        browser: 'Firefox',
        os: 'iOS',
        variant: 'annual',
        bot: 'false',
      }),
    ).toEqual({
      range: 'custom',
      from: '2026-11-01',
      to: '2026-11-30',
      country: 'DE',
      referrer: 'news.example',
      device: 'mobile',
      browser: 'Firefox',
      os: 'iOS',
      variant: 'annual',
      bot: false,
    });
    expect(
      validateVisitsSearch({
        range: 'forever',
        from: '2026-11-01',
        country: 'Germany',
        bot: 'maybe',
        os: '',
        variant: 'Big Sale',
      }),
    ).toEqual({});
    expect(validateVisitsSearch({ country: 'unknown', referrer: '(direct)', bot: true })).toEqual({
      country: 'unknown',
      referrer: '(direct)',
      bot: true,
    });
  });

  it('asks the API for a preset from a whole UTC hour, and for whole UTC days of a custom range', () => {
    expect(visitsQuery({}, NOW)).toEqual({ ok: true, query: {} });
    expect(visitsQuery({ range: '24h', country: 'DE', bot: false }, NOW)).toEqual({
      ok: true,
      query: { from: '2026-12-06T17:00:00.000Z', country: 'DE', bot: false },
    });
    expect(visitsQuery({ range: 'custom', from: '2026-11-01', to: '2026-11-30' }, NOW)).toEqual({
      ok: true,
      query: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' },
    });
    expect(visitsQuery({ range: 'custom', from: '2026-11-30', to: '2026-11-01' }, NOW)).toEqual({
      ok: false,
      message: 'The first day must not be after the last day.',
    });
  });

  it('says what is wrong with a filter as typed', () => {
    expect(checkFilter('country', 'Germany')).toEqual({
      problem: 'Country: two letters such as DE, or "unknown".',
    });
    expect(checkFilter('browser', 'x'.repeat(256))).toEqual({ problem: 'Browser: at most 255 characters.' });
    expect(checkFilter('os', '  ')).toEqual({});
    expect(checkFilter('variant', 'B')).toEqual({
      problem: 'Variant: a variant name, 1 to 32 of a-z, 0-9, _ and - (lower case, no spaces).',
    });
    expect(checkFilter('variant', ' annual ')).toEqual({ value: 'annual' });
  });

  it("says how far back single visits go, from the API's rawEventsSince", () => {
    expect(keptSince('2026-09-08T00:00:00.000Z', NOW)).toBe('the last 91 days');
    expect(keptSince('2026-12-07T00:00:00.000Z', NOW)).toBe('the last day');
  });

  it('opens the visits behind an analytics view: its filters, its people or bots, its hours or UTC days', () => {
    const filtered = { country: 'DE', variant: 'annual', device: 'mobile' } as const;
    expect(visitsSearchOf(filtered, resolveRange(filtered, NOW))).toEqual({
      range: 'custom',
      from: '2026-12-01',
      to: '2026-12-07',
      country: 'DE',
      device: 'mobile',
      variant: 'annual',
      bot: false,
    });
    const day = { range: '24h', bots: 'only', referrer: '(direct)' } as const;
    expect(visitsSearchOf(day, resolveRange(day, NOW))).toEqual({
      range: '24h',
      referrer: '(direct)',
      bot: true,
    });
    const custom = { range: 'custom', from: '2026-11-01', to: '2026-11-30', bots: true } as const;
    expect(visitsSearchOf(custom, resolveRange(custom, NOW))).toEqual({
      range: 'custom',
      from: '2026-11-01',
      to: '2026-11-30',
    });
    // A custom range without its days asks nothing of the range: everything kept.
    const unfinished = { range: 'custom', from: '2026-11-01' } as const;
    expect(visitsSearchOf(unfinished, resolveRange(unfinished, NOW))).toEqual({ bot: false });
  });
});
