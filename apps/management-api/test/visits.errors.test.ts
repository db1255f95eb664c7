import { describe, expect } from 'vitest';
import { createApiKey, createLink, expectProblem, signup, test } from './support/api.ts';

let user: Awaited<ReturnType<typeof signup>>;
let link: { id: string };
test.beforeAll(async ({ api }) => {
  user = await signup(api);
  link = await createLink(api, user.auth, { url: 'https://example.com/v' });
});

describe('visits errors', () => {
  test.for([
    ['from after to', '?from=2026-03-05&to=2026-03-01'],
    ['an unparseable date', '?to=yesterday'],
    ['a country that is not two letters', '?country=DEU'],
    ['a bot flag that is not a boolean', '?bot=maybe'],
    ['a page over 500', '?limit=501'],
    ['a forged cursor', '?cursor=bm90LWEtY3Vyc29y'],
    ['an unknown filter', '?variant=b&colour=red'],
    ['an unknown export format', '/export?format=xlsx'],
  ])('rejects %s with 400', async ([_name, query], { api }) => {
    for (const base of [`/api/v1/links/${link.id}/visits`, '/api/v1/visits']) {
      expectProblem(await api.app.inject({ url: `${base}${query}`, headers: user.auth }), 400);
    }
  });

  test("answers 404 for another workspace's link, 403 for a key without stats:read, 401 without a token", async ({
    api,
  }) => {
    const other = await signup(api);
    for (const suffix of ['visits', 'visits/export']) {
      expectProblem(
        await api.app.inject({ url: `/api/v1/links/${link.id}/${suffix}`, headers: other.auth }),
        404,
      );
    }
    const key = await createApiKey(api, user.token, ['links:read', 'links:write']);
    for (const url of [`/api/v1/links/${link.id}/visits`, '/api/v1/visits', '/api/v1/visits/export']) {
      expectProblem(await api.app.inject({ url, headers: key.auth }), 403);
      expectProblem(await api.app.inject({ url }), 401);
    }
    const reader = await createApiKey(api, user.token, ['stats:read']);
    expect((await api.app.inject({ url: '/api/v1/visits', headers: reader.auth })).statusCode).toBe(200);
  });
});
