import { decodeCachedLink } from '@boltlink/redis-keys/link-cache';
import { describe, expect } from 'vitest';
import type { LinkView } from '../src/schemas/links.ts';
import { createLink, expectProblem, signup, type TestApi, test } from './support/api.ts';

let user: Awaited<ReturnType<typeof signup>>;
test.beforeAll(async ({ api }) => {
  user = await signup(api);
});

const inject = (api: TestApi, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
  api.app.inject({ method, url, payload: payload as object, headers: user.auth });

const cached = async (api: TestApi, link: { domain: string; code: string }) =>
  decodeCachedLink(await api.redis.get(api.keys.linkCache(link.domain, link.code)));

async function storedRules(api: TestApi, id: string): Promise<unknown> {
  const { rows } = await api.database.pool.query('SELECT redirect_rules FROM links WHERE id = $1', [id]);
  return rows[0]?.redirect_rules;
}

async function linkCount(api: TestApi): Promise<number> {
  const { rows } = await api.database.pool.query('SELECT count(*)::int AS n FROM links WHERE user_id = $1', [
    user.user.id,
  ]);
  return rows[0].n;
}

const appStoreRules = [
  { conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/app/id123' },
  { conditions: { os: ['Android'] }, url: 'https://play.google.com/store/apps/details?id=com.example' },
];

describe('redirect rules of a link', () => {
  test('are stored in order, answered by GET and the list, and cached for the edges', async ({ api }) => {
    const link = await createLink(api, user.auth, {
      url: 'https://example.com/app',
      rules: [
        ...appStoreRules,
        {
          conditions: {
            country: ['de', 'AT', 'DE'],
            language: ['DE'],
            query: { name: 'ref', value: 'mail' },
          },
          url: 'https://shop.example/de',
        },
      ],
    });
    const shop = {
      conditions: { country: ['DE', 'AT'], language: ['de'], query: { name: 'ref', value: 'mail' } },
      url: 'https://shop.example/de',
    };
    expect(link.rules).toEqual([...appStoreRules, shop]);
    expect((await inject(api, 'GET', `/api/v1/links/${link.id}`)).json().rules).toEqual(link.rules);
    const listed = (await inject(api, 'GET', '/api/v1/links')).json().items as LinkView[];
    expect(listed.find((item) => item.id === link.id)?.rules).toEqual(link.rules);
    expect(await storedRules(api, link.id)).toEqual(link.rules);
    expect(await cached(api, link)).toMatchObject({ v: 2, id: link.id, rules: link.rules });
  });

  test('are none by default, and a link without rules stays a v1 cache value', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/plain' });
    expect(link.rules).toEqual([]);
    const value = await cached(api, link);
    expect(value?.v).toBe(1);
  });

  test('are replaced by PATCH and removed with an empty list', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/patch', rules: appStoreRules });
    const replaced = await inject(api, 'PATCH', `/api/v1/links/${link.id}`, {
      rules: [{ conditions: { device: ['mobile', 'tablet'] }, url: 'https://m.example.com/' }],
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().rules).toEqual([
      { conditions: { device: ['mobile', 'tablet'] }, url: 'https://m.example.com/' },
    ]);
    expect((await cached(api, link))?.v).toBe(2);

    const removed = await inject(api, 'PATCH', `/api/v1/links/${link.id}`, { rules: [] });
    expect(removed.json().rules).toEqual([]);
    expect(await storedRules(api, link.id)).toEqual([]);
    expect((await cached(api, link))?.v).toBe(1);
  });

  test('are taken by bulk creation, a bad rule failing its item alone', async ({ api }) => {
    const res = await inject(api, 'POST', '/api/v1/links/bulk', {
      links: [
        { url: 'https://example.com/bulk-rules-1', rules: appStoreRules },
        {
          url: 'https://example.com/bulk-rules-2',
          rules: [{ conditions: { os: ['iOS'] }, url: 'ftp://a/' }],
        },
      ],
    });
    expect(res.statusCode).toBe(200);
    const [good, bad] = res.json().items;
    expect(good.rules).toEqual(appStoreRules);
    expect(bad.error).toMatchObject({ status: 400 });
    expect(bad.error.detail).toMatch(/^rules\[0\]\.url/);
  });
});

describe('redirect rules validation', () => {
  const rule = (conditions: unknown, url = 'https://example.com/rule') => [{ conditions, url }];
  test.for<[string, unknown, RegExp]>([
    ['a javascript: destination', rule({ os: ['iOS'] }, 'javascript:alert(1)'), /^rules\[0\]\.url/],
    ['a loop to a short domain', rule({ os: ['iOS'] }, 'https://sho.rt/abc'), /^rules\[0\]\.url.*loop/],
    ['a blocked destination domain', rule({ os: ['iOS'] }, 'https://a.blocked.example/'), /blocked/],
    ['credentials in the destination', rule({ os: ['iOS'] }, 'https://bank@evil.example/'), /credentials/],
    ['no conditions', rule({}), /rules/],
    ['an unknown condition', rule({ city: ['Paris'] }), /rules/],
    ['a three-letter country', rule({ country: ['DEU'] }), /rules/],
    ['an unknown device type', rule({ device: ['phone'] }), /rules/],
    ['an empty list of values', rule({ os: [] }), /rules/],
    ['11 values of one condition', rule({ country: Array.from({ length: 11 }, () => 'DE') }), /rules/],
    ['a language tag with a region', rule({ language: ['de-CH'] }), /rules/],
    ['a query condition without a name', rule({ query: { value: 'x' } }), /rules/],
    ['21 rules', Array.from({ length: 21 }, () => rule({ os: ['iOS'] })[0]), /rules/],
    ['rules that are not a list', { os: ['iOS'] }, /rules/],
  ])('refuses %s with 400 and stores nothing', async ([_name, rules, detail], { api }) => {
    const before = await linkCount(api);
    const problem = expectProblem(
      await inject(api, 'POST', '/api/v1/links', { url: 'https://example.com/x', rules }),
      400,
    );
    expect(problem.detail).toMatch(detail);
    expect(await linkCount(api)).toBe(before);
  });

  test('refuses a bad rule in PATCH and leaves the link as it was', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/keep', rules: appStoreRules });
    const problem = expectProblem(
      await inject(api, 'PATCH', `/api/v1/links/${link.id}`, {
        title: 'changed',
        rules: [...appStoreRules, { conditions: { os: ['Windows'] }, url: 'https://blocked.example/' }],
      }),
      400,
    );
    expect(problem.detail).toMatch(/^rules\[2\]\.url/);
    expect(await storedRules(api, link.id)).toEqual(appStoreRules);
    expect((await inject(api, 'GET', `/api/v1/links/${link.id}`)).json().title).not.toBe('changed');
  });
});
