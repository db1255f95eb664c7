import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { compileRules, preferredLanguage, queryValue, RedirectRules, type RuleVisitor } from './rules.ts';

function visitor(
  overrides: Partial<Record<keyof RuleVisitor, unknown>> = {},
): RuleVisitor & { asked: string[] } {
  const asked: string[] = [];
  const answer =
    <T>(name: keyof RuleVisitor, fallback: T) =>
    (): T => {
      asked.push(name);
      return (name in overrides ? overrides[name] : fallback) as T;
    };
  return {
    asked,
    country: answer('country', null),
    device: answer('device', 'desktop'),
    os: answer('os', 'Windows'),
    browser: answer('browser', 'Chrome'),
    language: answer('language', null),
    query: (name: string) => {
      asked.push('query');
      const values = (overrides.query ?? {}) as Record<string, string>;
      return values[name] ?? null;
    },
  };
}

describe('compiled redirect rules', () => {
  const rules = compileRules([
    { conditions: { country: ['de', 'AT'], language: ['de'] }, url: 'https://shop.example/de' },
    { conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/app/id1' },
    { conditions: { query: { name: 'ref', value: 'mail' } }, url: 'https://example.com/mail' },
    { conditions: { browser: ['firefox'], device: ['desktop', 'tablet'] }, url: 'https://example.com/ff' },
    { conditions: { query: { name: 'beta' } }, url: 'https://beta.example.com/' },
  ]);

  it('needs every condition of a rule to hold', () => {
    expect(rules.match(visitor({ country: 'DE', language: 'de' }))).toBe(0);
    expect(rules.match(visitor({ country: 'DE', language: 'fr' }))).toBe(-1);
    expect(rules.match(visitor({ browser: 'Firefox', device: 'mobile' }))).toBe(-1);
    expect(rules.match(visitor({ browser: 'Firefox', device: 'tablet' }))).toBe(3);
  });

  it('takes the first rule that holds when several do', () => {
    expect(rules.match(visitor({ country: 'AT', language: 'de', os: 'iOS' }))).toBe(0);
    expect(rules.match(visitor({ os: 'ios', query: { ref: 'mail' } }))).toBe(1);
  });

  it('matches a query parameter by value, or by presence when no value is given', () => {
    expect(rules.match(visitor({ query: { ref: 'mail' } }))).toBe(2);
    expect(rules.match(visitor({ query: { ref: 'web' } }))).toBe(-1);
    expect(rules.match(visitor({ query: { beta: '' } }))).toBe(4);
  });

  it('asks nothing of the User-Agent when the query string decides', () => {
    const only = compileRules([{ conditions: { query: { name: 'x' } }, url: 'https://a.example/' }]);
    const asked = visitor({ query: { x: '1' } });
    expect(only.match(asked)).toBe(0);
    expect(asked.asked).toEqual(['query']);
  });

  it('never matches a rule without conditions (the schema refuses one)', () => {
    expect(compileRules([{ conditions: {} as never, url: 'https://a.example/' }]).match(visitor())).toBe(-1);
  });
});

describe('redirect rules schema', () => {
  const check = Compile(RedirectRules);
  it.each([
    ['no conditions', [{ conditions: {}, url: 'https://a.example/' }]],
    ['an unknown condition', [{ conditions: { city: ['Paris'] }, url: 'https://a.example/' }]],
    ['a three-letter country', [{ conditions: { country: ['DEU'] }, url: 'https://a.example/' }]],
    ['an unknown device type', [{ conditions: { device: ['phone'] }, url: 'https://a.example/' }]],
    [
      '11 values',
      [{ conditions: { os: Array.from({ length: 11 }, (_, i) => `os${i}`) }, url: 'https://a/' }],
    ],
    ['an empty list', [{ conditions: { os: [] }, url: 'https://a.example/' }]],
    ['21 rules', Array.from({ length: 21 }, () => ({ conditions: { os: ['iOS'] }, url: 'https://a/' }))],
  ])('refuses %s', (_name, value) => {
    expect(check.Check(value)).toBe(false);
  });
});

describe('preferredLanguage', () => {
  it.each([
    ['de-CH,de;q=0.9,en;q=0.8', 'de'],
    ['en;q=0.5, fr;q=0.9', 'fr'],
    ['fr;q=0.9, en;q=0.9', 'fr'],
    ['*, es;q=0.5', 'es'],
    ['de;q=0, it;q=0.1', 'it'],
    ['de;q=abc, pt', 'pt'],
    ['EN-us', 'en'],
    ['', null],
    [undefined, null],
    ['*', null],
    ['de;q=0', null],
    ['12-ab, ;q=1', null],
  ])('reads %j as %j', (header, expected) => {
    expect(preferredLanguage(header)).toBe(expected);
  });
});

describe('queryValue', () => {
  it.each([
    ['ref=mail&x=1', 'ref', 'mail'],
    ['x=1&ref=mail&ref=web', 'ref', 'mail'],
    ['ref', 'ref', ''],
    ['ref=', 'ref', ''],
    ['a+b=c%20d', 'a b', 'c d'],
    ['r%65f=1', 'ref', '1'],
    ['ref=%E0%A4%A', 'ref', '%E0%A4%A'],
    ['reference=1', 'ref', null],
    ['', 'ref', null],
    ['&&ref=1&', 'ref', '1'],
  ])('reads %j for %j as %j', (query, name, expected) => {
    expect(queryValue(query, name)).toBe(expected);
    if (expected !== null && !query.includes('%E0')) {
      expect(new URLSearchParams(query).get(name)).toBe(expected);
    }
  });
});
