import { describe, expect, it } from 'vitest';
import { buildLocation } from './location.ts';
import { utmParameters } from './utm.ts';

describe('utmParameters', () => {
  it('names each value by its utm_ parameter, source first and content last', () => {
    const parameters = utmParameters({
      content: 'cta',
      term: 'shoes',
      campaign: 'spring',
      medium: 'email',
      source: 'news',
    });
    expect(Object.entries(parameters)).toEqual([
      ['utm_source', 'news'],
      ['utm_medium', 'email'],
      ['utm_campaign', 'spring'],
      ['utm_term', 'shoes'],
      ['utm_content', 'cta'],
    ]);
  });

  it('leaves out null and empty values, so they cannot blank out what a visitor sent', () => {
    const parameters = utmParameters({
      source: 'news',
      medium: 'email',
      campaign: 'spring',
      term: '',
      content: null,
    });
    expect(parameters).toEqual({ utm_source: 'news', utm_medium: 'email', utm_campaign: 'spring' });
    expect(buildLocation('https://example.com/', 'utm_term=visitor', parameters)).toBe(
      'https://example.com/?utm_term=visitor&utm_source=news&utm_medium=email&utm_campaign=spring',
    );
  });
});
