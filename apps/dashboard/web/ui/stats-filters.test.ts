import { describe, expect, it } from 'vitest';
import { validateFilters, withoutLinkFilters } from './stats-filters.ts';
import { resolveRange, validateLinkStatsSearch, validateStatsSearch } from './stats-range.ts';
import { sourceText, statsProblem } from './stats-words.ts';

const NOW = Date.parse('2026-12-07T10:42:17.000Z');

describe('the analytics filters in the URL', () => {
  it('keeps the values the API takes, as it takes them, and drops the others', () => {
    expect(
      validateFilters(
        {
          country: 'de',
          referrer: '(direct)',
          device: ' mobile ',
          browser: 'x'.repeat(256),
          os: '',
          variant: 'Annual First',
          tag: 'spring',
          domain: 'Go.Example.COM',
          campaignId: 'not-a-uuid',
        },
        'workspace',
      ),
    ).toEqual({
      country: 'DE',
      referrer: '(direct)',
      device: 'mobile',
      tag: 'spring',
      domain: 'go.example.com',
    });
    expect(validateFilters({ country: 'unknown', variant: 'annual-first' }, 'workspace')).toEqual({
      country: 'unknown',
      variant: 'annual-first',
    });
  });

  it("gives a link's analytics no link filters, which its endpoint refuses", () => {
    expect(validateLinkStatsSearch({ tag: 'spring', domain: 'go.example.com', country: 'FR' })).toEqual({
      country: 'FR',
    });
    expect(withoutLinkFilters({ range: '30d', tag: 'spring', os: 'iOS' })).toEqual({
      range: '30d',
      os: 'iOS',
    });
  });

  it('asks for bots only with bot=true and never with includeBots beside it', () => {
    const view = validateStatsSearch({ bots: 'only', range: '24h' });
    expect(view).toEqual({ bots: 'only', range: '24h' });
    expect(resolveRange(view, NOW).ok && resolveRange(view, NOW)).toMatchObject({
      query: { from: '2026-12-06T11:00:00.000Z', interval: 'hour', bot: true },
    });
    const query = resolveRange(view, NOW);
    expect(query.ok && 'includeBots' in query.query).toBe(false);
  });
});

describe('what the figures are counted from, in words', () => {
  const answer = {
    rawEventsSince: '2026-09-08T00:00:00.000Z',
    from: '2026-09-08T00:00:00.000Z',
    clampedToRawEvents: false,
  };

  it('says filtered figures come from single visits kept since a day, and when the range was cut to it', () => {
    expect(sourceText({ ...answer, source: 'events' }, NOW)).toMatch(
      /^Filtered figures come from single visits, kept for 90 days: since .*2026\.$/,
    );
    expect(sourceText({ ...answer, source: 'events', clampedToRawEvents: true }, NOW)).toMatch(
      /This range starts earlier, so these figures start on .*2026\.$/,
    );
  });

  it('says unfiltered figures come from totals kept for good', () => {
    expect(sourceText({ ...answer, source: 'rollups' }, NOW)).toMatch(
      /^Counted from the daily totals, which are kept for good\./,
    );
  });

  it("turns the API's 503 into what to narrow, and passes any other problem on", () => {
    expect(statsProblem(503, 'took over 5 s', 'workspace')).toMatch(
      /choose a shorter range, or fewer links with a tag, a domain or a campaign/,
    );
    expect(statsProblem(503, undefined, 'link')).toMatch(/Choose a shorter range\.$/);
    expect(statsProblem(400, 'country: must match pattern', 'link')).toBe('country: must match pattern');
  });
});
