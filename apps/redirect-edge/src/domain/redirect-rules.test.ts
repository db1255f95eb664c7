import { describe, expect, it } from 'vitest';
import type { RedirectLink } from './ports.ts';
import { createVisitorClassifier, matchingRule, type RuleRequest } from './redirect-rules.ts';
import { createUserAgentClassifier } from './user-agent.ts';

const lookups: string[] = [];
const visitors = createVisitorClassifier({
  classify: createUserAgentClassifier(),
  countryLookup: {
    lookup(ip) {
      lookups.push(ip);
      return ip === '81.2.69.160' ? 'GB' : null;
    },
  },
});

describe('visitor classifier of redirect rules', () => {
  it('reads the country as the click does: the trusted header, else the country database', () => {
    expect(visitors.country('DE', '81.2.69.160')).toBe('DE');
    expect(visitors.country(' at ', '81.2.69.160')).toBe('AT');
    expect(visitors.country('XX', '81.2.69.160')).toBe('GB');
    expect(visitors.country('T1', '203.0.113.7')).toBeNull();
    expect(visitors.country(undefined, '81.2.69.160')).toBe('GB');
  });

  it('gives the same language for an Accept-Language value every time, remembered or not', () => {
    for (let i = 0; i < 3; i += 1) {
      expect(visitors.language('fr-CA,fr;q=0.9,en;q=0.8')).toBe('fr');
      expect(visitors.language('*')).toBeNull();
      expect(visitors.language(`de;q=0.1, ${'x-private;q=0.05, '.repeat(20)}it`)).toBe('it');
    }
    expect(visitors.language(undefined)).toBeNull();
  });
});

describe('matchingRule', () => {
  const link: RedirectLink = {
    v: 2,
    id: '6f1c1a4e-9d1b-4c55-8f0e-2a6e8f4c9b10',
    url: 'https://example.com/',
    redirectType: 302,
    expiresAt: null,
    maxClicks: null,
    passwordHash: null,
    utm: null,
    rules: [
      { conditions: { query: { name: 'promo' } }, url: 'https://example.com/promo' },
      { conditions: { country: ['GB'] }, url: 'https://example.co.uk/' },
    ],
  };
  const request = (overrides: Partial<RuleRequest> = {}): RuleRequest => ({
    ip: '81.2.69.160',
    userAgent: undefined,
    country: undefined,
    acceptLanguage: undefined,
    query: '',
    ...overrides,
  });

  it('asks the country database only when a rule needs the country', () => {
    lookups.length = 0;
    expect(matchingRule(link, request({ query: 'promo=1' }), visitors)).toBe(0);
    expect(lookups).toEqual([]);
    expect(matchingRule(link, request(), visitors)).toBe(1);
    expect(lookups).toEqual(['81.2.69.160']);
  });

  it('finds no rule on a link without rules', () => {
    const { rules: _rules, ...rest } = link;
    expect(matchingRule({ ...rest, v: 1 }, request({ query: 'promo' }), visitors)).toBe(-1);
  });
});
