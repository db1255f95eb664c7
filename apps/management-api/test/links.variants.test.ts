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

async function storedVariants(api: TestApi, id: string): Promise<unknown> {
  const { rows } = await api.database.pool.query('SELECT variants FROM links WHERE id = $1', [id]);
  return rows[0]?.variants;
}

async function linkCount(api: TestApi): Promise<number> {
  const { rows } = await api.database.pool.query('SELECT count(*)::int AS n FROM links WHERE user_id = $1', [
    user.user.id,
  ]);
  return rows[0].n;
}

const split = [
  { name: 'control', url: 'https://example.com/pricing', weight: 50 },
  { name: 'annual-first', url: 'https://example.com/pricing?layout=annual', weight: 30 },
  { name: 'calc_2', url: 'https://example.com/pricing/calculator', weight: 20 },
];

describe('A/B split of a link', () => {
  test('is stored in order, answered by GET and the list, and cached for the edges beside the rules', async ({
    api,
  }) => {
    const rules = [{ conditions: { os: ['iOS'] }, url: 'https://apps.apple.com/app/id1' }];
    const link = await createLink(api, user.auth, {
      url: 'https://example.com/pricing',
      rules,
      variants: split,
    });
    expect(link.variants).toEqual(split);
    expect(link.url).toBe('https://example.com/pricing');
    expect((await inject(api, 'GET', `/api/v1/links/${link.id}`)).json().variants).toEqual(split);
    const listed = (await inject(api, 'GET', '/api/v1/links')).json().items as LinkView[];
    expect(listed.find((item) => item.id === link.id)?.variants).toEqual(split);
    expect(await storedVariants(api, link.id)).toEqual(split);
    expect(await cached(api, link)).toMatchObject({ v: 3, id: link.id, rules, variants: split });
  });

  test('is none by default: [] in the answer, and the link keeps its v1 cache value', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/no-split' });
    expect(link.variants).toEqual([]);
    expect((await cached(api, link))?.v).toBe(1);
  });

  test('is replaced by PATCH and removed by null or [] (a link with rules goes back to v2)', async ({
    api,
  }) => {
    const rules = [{ conditions: { os: ['Android'] }, url: 'https://play.google.com/' }];
    const link = await createLink(api, user.auth, { url: 'https://example.com/ab', variants: split });
    const two = [
      { name: 'a', url: 'https://example.com/a', weight: 1 },
      { name: 'b', url: 'https://example.com/b', weight: 1 },
    ];
    const replaced = await inject(api, 'PATCH', `/api/v1/links/${link.id}`, { variants: two, rules });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().variants).toEqual(two);
    expect(await cached(api, link)).toMatchObject({ v: 3, variants: two });

    const removed = await inject(api, 'PATCH', `/api/v1/links/${link.id}`, { variants: null });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().variants).toEqual([]);
    expect(removed.json().url).toBe('https://example.com/ab');
    expect(await storedVariants(api, link.id)).toEqual([]);
    expect((await cached(api, link))?.v).toBe(2);

    await inject(api, 'PATCH', `/api/v1/links/${link.id}`, { variants: two });
    expect(
      (await inject(api, 'PATCH', `/api/v1/links/${link.id}`, { variants: [] })).json().variants,
    ).toEqual([]);
    expect(await storedVariants(api, link.id)).toEqual([]);
  });

  test('is taken by bulk creation, a bad split failing its item alone', async ({ api }) => {
    const res = await inject(api, 'POST', '/api/v1/links/bulk', {
      links: [
        { url: 'https://example.com/bulk-ab-1', variants: split },
        { url: 'https://example.com/bulk-ab-2', variants: [split[0], { ...split[1], url: 'ftp://a/' }] },
      ],
    });
    expect(res.statusCode).toBe(200);
    const [good, bad] = res.json().items;
    expect(good.variants).toEqual(split);
    expect(bad.error).toMatchObject({ status: 400 });
    expect(bad.error.detail).toMatch(/^variants\[1\]\.url/);
  });
});

describe('A/B split validation', () => {
  const variant = (name: string, overrides: object = {}) => ({
    name,
    url: `https://example.com/${name}`,
    weight: 1,
    ...overrides,
  });
  test.for<[string, unknown, RegExp]>([
    [
      'a javascript: destination',
      [variant('a'), variant('b', { url: 'javascript:alert(1)' })],
      /^variants\[1\]\.url/,
    ],
    [
      'a loop to a short domain',
      [variant('a', { url: 'https://sho.rt/abc' }), variant('b')],
      /^variants\[0\]\.url.*loop/,
    ],
    [
      'a blocked destination domain',
      [variant('a'), variant('b', { url: 'https://x.blocked.example/' })],
      /^variants\[1\]\.url.*blocked/,
    ],
    [
      'credentials in the destination',
      [variant('a'), variant('b', { url: 'https://bank@evil.example/' })],
      /credentials/,
    ],
    ['a name used twice', [variant('a'), variant('b'), variant('a')], /^variants\[2\]\.name.*twice/],
    ['a split of one', [variant('a')], /^variants: a split needs 2 to 10/],
    ['11 variants', Array.from({ length: 11 }, (_, i) => variant(`v${i}`)), /variants/],
    ['an upper-case name', [variant('A'), variant('b')], /variants/],
    ['a name starting with a dash', [variant('-a'), variant('b')], /variants/],
    ['a 33-character name', [variant('a'.repeat(33)), variant('b')], /variants/],
    ['a weight of 0', [variant('a', { weight: 0 }), variant('b')], /variants/],
    ['a weight of 1001', [variant('a', { weight: 1001 }), variant('b')], /variants/],
    ['a fractional weight', [variant('a', { weight: 1.5 }), variant('b')], /variants/],
    ['a variant without a weight', [{ name: 'a', url: 'https://example.com/a' }, variant('b')], /variants/],
    ['an unknown field', [variant('a', { share: 0.5 }), variant('b')], /variants/],
    ['a split that is not a list', { a: 'https://example.com/' }, /variants/],
  ])('refuses %s with 400 and stores nothing', async ([_name, variants, detail], { api }) => {
    const before = await linkCount(api);
    const problem = expectProblem(
      await inject(api, 'POST', '/api/v1/links', { url: 'https://example.com/x', variants }),
      400,
    );
    expect(problem.detail).toMatch(detail);
    expect(await linkCount(api)).toBe(before);
  });

  test('refuses a bad split in PATCH and leaves the link as it was', async ({ api }) => {
    const link = await createLink(api, user.auth, { url: 'https://example.com/keep-ab', variants: split });
    const problem = expectProblem(
      await inject(api, 'PATCH', `/api/v1/links/${link.id}`, {
        title: 'changed',
        variants: [...split, { name: 'bad', url: 'https://blocked.example/', weight: 5 }],
      }),
      400,
    );
    expect(problem.detail).toMatch(/^variants\[3\]\.url/);
    expect(await storedVariants(api, link.id)).toEqual(split);
    expect((await inject(api, 'GET', `/api/v1/links/${link.id}`)).json().title).not.toBe('changed');
  });
});
