import { describe, expect, it } from 'vitest';
import {
  type CachedLink,
  type CachedLinkV3,
  cachedLinkFromRow,
  decodeCachedLink,
  decodeLinkInvalidation,
  encodeCachedLink,
  encodeLinkInvalidation,
  InvalidCachedValueError,
  utmParameters,
} from './link-cache-value.ts';

const link: CachedLink = {
  v: 1,
  id: '6f1c1a4e-9d1b-4c55-8f0e-2a6e8f4c9b10',
  url: 'https://example.com/landing?a=1',
  redirectType: 302,
  expiresAt: null,
  maxClicks: null,
  passwordHash: null,
  utm: null,
};

describe('cached link value', () => {
  it('round-trips through its wire format', () => {
    expect(decodeCachedLink(encodeCachedLink(link))).toEqual(link);
    const full: CachedLink = {
      ...link,
      redirectType: 308,
      expiresAt: 1_900_000_000_000,
      maxClicks: 10,
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
      utm: { utm_source: 'news', utm_medium: 'email' },
    };
    expect(decodeCachedLink(encodeCachedLink(full))).toEqual(full);
  });

  it('reads a value whose id is not a UUID as a miss (the id goes into every click event)', () => {
    expect(decodeCachedLink(JSON.stringify({ ...link, id: 'link-1' }))).toBeNull();
    expect(() => encodeCachedLink({ ...link, id: 'link-1' })).toThrow(InvalidCachedValueError);
  });

  it('refuses to write an invalid value', () => {
    expect(() => encodeCachedLink({ ...link, redirectType: 303 as 302 })).toThrow(InvalidCachedValueError);
    expect(() => encodeCachedLink({ ...link, maxClicks: 0 })).toThrow(/maxClicks/);
    expect(() => encodeCachedLink({ ...link, extra: 1 } as CachedLink)).toThrow(InvalidCachedValueError);
  });

  it.each([
    ['absent', null],
    ['empty', ''],
    ['not JSON', '{"v":1,'],
    ['a JSON scalar', '42'],
    ['an unknown version', JSON.stringify({ ...link, v: 3 })],
    ['no version', JSON.stringify({ ...link, v: undefined })],
    ['a missing field', JSON.stringify({ ...link, url: undefined })],
    ['a wrong type', JSON.stringify({ ...link, expiresAt: '2030-01-01' })],
    ['an extra field', JSON.stringify({ ...link, title: 'x' })],
    [
      'rules on a v1 value',
      JSON.stringify({ ...link, rules: [{ conditions: { os: ['iOS'] }, url: 'https://a' }] }),
    ],
    ['a v2 value without rules', JSON.stringify({ ...link, v: 2, rules: [] })],
    [
      'a rule without conditions',
      JSON.stringify({ ...link, v: 2, rules: [{ conditions: {}, url: 'https://a' }] }),
    ],
  ])('reads %s as a cache miss', (_label, raw) => {
    expect(decodeCachedLink(raw)).toBeNull();
  });
});

describe('link invalidation message', () => {
  it('round-trips and carries its version', () => {
    const raw = encodeLinkInvalidation({ domain: 'localhost:8080', code: 'abc' });
    expect(JSON.parse(raw)).toEqual({ v: 1, domain: 'localhost:8080', code: 'abc' });
    expect(decodeLinkInvalidation(raw)).toEqual({ v: 1, domain: 'localhost:8080', code: 'abc' });
  });

  it('rejects what it cannot read', () => {
    expect(() => encodeLinkInvalidation({ domain: '', code: 'abc' })).toThrow(InvalidCachedValueError);
    expect(decodeLinkInvalidation('nope')).toBeNull();
    expect(decodeLinkInvalidation(JSON.stringify({ v: 2, domain: 'd', code: 'c' }))).toBeNull();
    expect(decodeLinkInvalidation(JSON.stringify({ v: 1, domain: 'd' }))).toBeNull();
  });
});

describe('cached link from a row', () => {
  const row = {
    id: link.id,
    url: link.url,
    redirectType: 307 as const,
    expiresAt: new Date('2030-01-01T00:00:00Z'),
    maxClicks: 5,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    blockedAt: null,
    redirectRules: [],
    variants: [],
  };

  it('keeps what a redirect needs, the expiry as epoch milliseconds, and no campaign as null UTM', () => {
    expect(cachedLinkFromRow(row, null)).toEqual({
      v: 1,
      id: link.id,
      url: link.url,
      redirectType: 307,
      expiresAt: Date.parse('2030-01-01T00:00:00Z'),
      maxClicks: 5,
      passwordHash: row.passwordHash,
      utm: null,
    });
    expect(() => encodeCachedLink(cachedLinkFromRow(row, null))).not.toThrow();
  });

  it('writes a link without rules as the same v1 value as before rules existed', () => {
    const value = cachedLinkFromRow(row, null);
    expect(value.v).toBe(1);
    expect('rules' in value).toBe(false);
  });

  it('writes a link with rules as a v2 value that keeps them in order and reads back', () => {
    const redirectRules = [
      { conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/app/id1' },
      { conditions: { country: ['DE', 'AT'], language: ['de'] }, url: 'https://shop.example/de' },
    ];
    const value = cachedLinkFromRow({ ...row, redirectRules }, null);
    expect(value).toMatchObject({ v: 2, rules: redirectRules });
    expect(decodeCachedLink(encodeCachedLink(value))).toEqual(value);
  });

  it('writes a link with a split as a v3 value (its rules beside it, [] without) that reads back, and refuses a split of one', () => {
    const variants = [
      { name: 'a', url: 'https://example.com/a', weight: 1 },
      { name: 'b', url: 'https://example.com/b', weight: 3 },
    ];
    const value = cachedLinkFromRow({ ...row, variants }, null) as CachedLinkV3;
    expect(value).toMatchObject({ v: 3, rules: [], variants });
    expect(decodeCachedLink(encodeCachedLink(value))).toEqual(value);
    const withRules = cachedLinkFromRow(
      { ...row, variants, redirectRules: [{ conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/' }] },
      null,
    );
    expect(decodeCachedLink(encodeCachedLink(withRules))).toMatchObject({
      v: 3,
      rules: [{ url: 'https://apps.apple.com/' }],
    });
    expect(() => encodeCachedLink({ ...value, variants: variants.slice(0, 1) })).toThrow();
    expect(decodeCachedLink(JSON.stringify({ ...value, variants: variants.slice(0, 1) }))).toBeNull();
  });

  it('marks a link an admin blocked, and only such a link, and reads the mark back', () => {
    const blocked = cachedLinkFromRow({ ...row, blockedAt: new Date('2026-12-01T00:00:00Z') }, null);
    expect(blocked.blocked).toBe(true);
    expect(decodeCachedLink(encodeCachedLink(blocked))?.blocked).toBe(true);
    expect('blocked' in cachedLinkFromRow(row, null)).toBe(false);
  });

  it("adds the campaign's UTM parameters by their wire names", () => {
    const campaign = {
      utmSource: 'news',
      utmMedium: 'email',
      utmCampaign: 'spring',
      utmTerm: 'shoes',
      utmContent: 'cta',
    };
    expect(cachedLinkFromRow(row, campaign).utm).toEqual({
      utm_source: 'news',
      utm_medium: 'email',
      utm_campaign: 'spring',
      utm_term: 'shoes',
      utm_content: 'cta',
    });
  });

  it('leaves out a UTM value that is null or empty, whichever column it is', () => {
    expect(
      utmParameters({
        utmSource: '',
        utmMedium: 'email',
        utmCampaign: 'spring',
        utmTerm: '',
        utmContent: null,
      }),
    ).toEqual({ utm_medium: 'email', utm_campaign: 'spring' });
    expect(
      utmParameters({ utmSource: null, utmMedium: null, utmCampaign: null, utmTerm: null, utmContent: null }),
    ).toEqual({});
  });
});
