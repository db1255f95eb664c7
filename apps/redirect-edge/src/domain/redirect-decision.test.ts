import type { RedirectRule } from '@boltlink/redirect-location/rules';
import type { CachedLinkV1 } from '@boltlink/redis-keys/link-cache';
import { describe, expect, it } from 'vitest';
import type { RedirectLink } from './ports.ts';
import { decideRedirect as decide, type RedirectDecision, type RequestFacts } from './redirect-decision.ts';
import { createVisitorClassifier } from './redirect-rules.ts';
import { createUserAgentClassifier } from './user-agent.ts';

const NOW = Date.UTC(2026, 0, 15, 12);
const HASH = '$argon2id$v=19$m=4096,t=2,p=1$c2FsdHNhbHQ$aGFzaA';

const visitors = createVisitorClassifier({ classify: createUserAgentClassifier() });
const decideRedirect = (target: RedirectLink | null, given: RequestFacts, now: number) =>
  decide(target, given, now, visitors);

function link(overrides: Partial<CachedLinkV1> = {}): RedirectLink {
  return {
    v: 1,
    id: 'link-1',
    url: 'https://example.com/page',
    redirectType: 302,
    expiresAt: null,
    maxClicks: null,
    passwordHash: null,
    utm: null,
    ...overrides,
  };
}

function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return {
    method: 'GET',
    url: '/abc',
    ip: '203.0.113.7',
    headers: {
      userAgent: 'Mozilla/5.0',
      referer: 'https://news.example/item',
      country: 'DE',
      acceptLanguage: undefined,
    },
    ...overrides,
  };
}

/** The parts of a decision a visitor observes: kind, status and the headers that vary. */
function observed(decision: RedirectDecision) {
  if (decision.kind === 'redirect' || decision.kind === 'capped-redirect') {
    return {
      kind: decision.kind,
      status: decision.status,
      location: decision.headers.location,
      cacheControl: decision.headers['cache-control'],
    };
  }
  return decision;
}

describe('decideRedirect', () => {
  const cases: {
    name: string;
    link: RedirectLink | null;
    facts?: Partial<RequestFacts>;
    expected: ReturnType<typeof observed>;
  }[] = [
    {
      name: 'unknown code: 404',
      link: null,
      expected: { kind: 'problem', problem: 'not-found' },
    },
    {
      name: 'plain link: 302, no cache anywhere',
      link: link(),
      expected: {
        kind: 'redirect',
        status: 302,
        location: 'https://example.com/page',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: 'HEAD is a redirect as GET is',
      link: link(),
      facts: { method: 'HEAD' },
      expected: {
        kind: 'redirect',
        status: 302,
        location: 'https://example.com/page',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: "the link's redirect type; a permanent one may be kept by the browser for an hour",
      link: link({ redirectType: 301 }),
      expected: {
        kind: 'redirect',
        status: 301,
        location: 'https://example.com/page',
        cacheControl: 'private, max-age=3600',
      },
    },
    {
      name: '308 kept by the browser, 307 not',
      link: link({ redirectType: 307 }),
      expected: {
        kind: 'redirect',
        status: 307,
        location: 'https://example.com/page',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: "the visitor's query string and the campaign's UTM parameters are merged into the destination",
      link: link({ url: 'https://example.com/a?x=1', utm: { utm_source: 'news' } }),
      facts: { url: '/abc?y=2' },
      expected: {
        kind: 'redirect',
        status: 302,
        location: 'https://example.com/a?x=1&y=2&utm_source=news',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: 'expired: 410',
      link: link({ expiresAt: NOW - 1 }),
      expected: { kind: 'problem', problem: 'gone', reason: 'expired' },
    },
    {
      name: 'expiring at this very millisecond: 410',
      link: link({ expiresAt: NOW }),
      expected: { kind: 'problem', problem: 'gone', reason: 'expired' },
    },
    {
      name: 'expiring later: a redirect that no cache may keep, even a permanent one',
      link: link({ expiresAt: NOW + 1, redirectType: 308 }),
      expected: {
        kind: 'redirect',
        status: 308,
        location: 'https://example.com/page',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: 'blocked by an instance admin: 410, before a password or a cap',
      link: link({ blocked: true, passwordHash: HASH, maxClicks: 5 }),
      expected: { kind: 'problem', problem: 'gone', reason: 'blocked' },
    },
    {
      name: 'expired wins over a password',
      link: link({ expiresAt: NOW - 1, passwordHash: HASH }),
      expected: { kind: 'problem', problem: 'gone', reason: 'expired' },
    },
    {
      name: 'password not proven: the form',
      link: link({ passwordHash: HASH }),
      expected: { kind: 'password' },
    },
    {
      name: 'password not proven on POST: the password is checked',
      link: link({ passwordHash: HASH }),
      facts: { method: 'POST', unlocked: false },
      expected: { kind: 'password' },
    },
    {
      name: 'unlocked by cookie: the redirect, uncacheable',
      link: link({ passwordHash: HASH, redirectType: 301 }),
      facts: { unlocked: true },
      expected: {
        kind: 'redirect',
        status: 301,
        location: 'https://example.com/page',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: 'right password POSTed: 303 whatever the type, so the browser does not re-POST',
      link: link({ passwordHash: HASH, redirectType: 307 }),
      facts: { method: 'POST', unlocked: true, url: '/abc?q=1' },
      expected: {
        kind: 'redirect',
        status: 303,
        location: 'https://example.com/page?q=1',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: 'POST to a link without a password: 303',
      link: link(),
      facts: { method: 'POST' },
      expected: {
        kind: 'redirect',
        status: 303,
        location: 'https://example.com/page',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: 'click cap: a redirect that waits for a slot, never cached',
      link: link({ maxClicks: 5, redirectType: 301 }),
      expected: {
        kind: 'capped-redirect',
        status: 301,
        location: 'https://example.com/page',
        cacheControl: 'private, no-store',
      },
    },
    {
      name: 'a stored destination that is not http(s): 404, flagged',
      link: link({ url: 'javascript:alert(1)' }),
      expected: { kind: 'problem', problem: 'not-found', unusableDestination: true },
    },
  ];

  for (const { name, link: target, facts: given, expected } of cases) {
    it(name, () => {
      expect(observed(decideRedirect(target, facts(given), NOW))).toEqual(expected);
    });
  }

  it('writes the headers of every redirect in wire order, with an empty body', () => {
    const decision = decideRedirect(link(), facts(), NOW);
    expect(decision.kind).toBe('redirect');
    if (decision.kind !== 'redirect') return;
    expect(Object.entries(decision.headers)).toEqual([
      ['x-content-type-options', 'nosniff'],
      ['location', 'https://example.com/page'],
      ['cache-control', 'private, no-store'],
      ['x-robots-tag', 'noindex'],
      ['content-length', '0'],
    ]);
  });

  it('makes the click of the request: method, client, headers, and the decision time', () => {
    const decision = decideRedirect(
      link({ maxClicks: 3 }),
      facts({
        method: 'HEAD',
        headers: { userAgent: undefined, referer: undefined, country: 'FR', acceptLanguage: undefined },
      }),
      NOW,
    );
    expect(decision.kind).toBe('capped-redirect');
    if (decision.kind !== 'capped-redirect') return;
    expect(decision.linkId).toBe('link-1');
    expect(decision.maxClicks).toBe(3);
    expect(decision.click).toEqual({
      method: 'HEAD',
      ip: '203.0.113.7',
      userAgent: undefined,
      referer: undefined,
      country: 'FR',
      occurredAt: NOW,
    });
  });
});

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

function ruled(rules: RedirectRule[], overrides: Partial<CachedLinkV1> = {}): RedirectLink {
  return { ...link(overrides), v: 2, rules };
}

function locationOf(decision: RedirectDecision): string | undefined {
  return decision.kind === 'redirect' || decision.kind === 'capped-redirect'
    ? decision.headers.location
    : undefined;
}

describe('decideRedirect with redirect rules', () => {
  const appStores = ruled([
    { conditions: { os: ['ios'] }, url: 'https://apps.apple.com/app/id1' },
    { conditions: { os: ['Android'] }, url: 'https://play.google.com/store/apps/details?id=a' },
    { conditions: { device: ['mobile'] }, url: 'https://m.example.com/' },
  ]);

  it('sends the visitor to the first rule that holds, the link URL when none does', () => {
    const headers = facts().headers;
    expect(
      locationOf(decideRedirect(appStores, facts({ headers: { ...headers, userAgent: IPHONE } }), NOW)),
    ).toBe('https://apps.apple.com/app/id1');
    expect(
      locationOf(
        decideRedirect(appStores, facts({ headers: { ...headers, userAgent: WINDOWS_CHROME } }), NOW),
      ),
    ).toBe('https://example.com/page');
  });

  it("merges the visitor's query and the campaign's UTM parameters into the rule's URL", () => {
    const target = ruled([{ conditions: { query: { name: 'app' } }, url: 'https://app.example/open?x=1' }], {
      utm: { utm_source: 'news' },
    });
    expect(locationOf(decideRedirect(target, facts({ url: '/abc?app&y=2' }), NOW))).toBe(
      'https://app.example/open?x=1&app&y=2&utm_source=news',
    );
    expect(locationOf(decideRedirect(target, facts({ url: '/abc' }), NOW))).toBe(
      'https://example.com/page?utm_source=news',
    );
  });

  it('never lets a browser keep a permanent redirect of a link with rules', () => {
    const decision = decideRedirect(
      ruled([{ conditions: { country: ['FR'] }, url: 'https://fr.example/' }], { redirectType: 301 }),
      facts(),
      NOW,
    );
    expect(decision.kind === 'redirect' && decision.headers['cache-control']).toBe('private, no-store');
  });

  it('answers an unusable rule destination as the link would answer an unusable URL', () => {
    const target = ruled([{ conditions: { country: ['DE'] }, url: 'javascript:alert(1)' }]);
    expect(decideRedirect(target, facts(), NOW)).toEqual({
      kind: 'problem',
      problem: 'not-found',
      unusableDestination: true,
    });
  });
});

describe('A/B split in the redirect decision', () => {
  const split: RedirectLink = {
    ...link({ redirectType: 301 }),
    v: 3,
    rules: [{ conditions: { query: { name: 'preview' } }, url: 'https://example.com/preview' }],
    variants: [
      { name: 'a', url: 'https://example.com/a', weight: 1 },
      { name: 'b', url: 'https://example.com/b', weight: 1 },
    ],
  };
  const DAY_MS = 86_400_000;
  const answer = (given: Partial<RequestFacts>, now = NOW) => {
    const decision = decideRedirect(split, facts(given), now);
    if (decision.kind !== 'redirect') throw new Error(`expected a redirect, got ${decision.kind}`);
    return {
      location: decision.headers.location,
      variant: decision.click.variant,
      cache: decision.headers['cache-control'],
    };
  };

  it('keeps a visitor on their variant across days (no clock in the pick) and names it on the click', () => {
    for (let i = 0; i < 20; i += 1) {
      const visitor = { ip: `198.51.100.${i}` };
      const today = answer(visitor);
      expect(today.location).toBe(`https://example.com/${today.variant}`);
      expect(answer(visitor, NOW + DAY_MS)).toEqual(today);
      expect(answer(visitor, NOW + 30 * DAY_MS)).toEqual(today);
      // Never kept by a browser, even for a permanent redirect: the next visit must ask again.
      expect(today.cache).toBe('private, no-store');
    }
  });

  it('lets a matching rule win, and then records no variant', () => {
    const ruled = answer({ url: '/abc?preview' });
    expect(ruled.location).toBe('https://example.com/preview?preview');
    expect(ruled.variant).toBeUndefined();
  });
});
