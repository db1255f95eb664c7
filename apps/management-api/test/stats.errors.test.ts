import { describe, expect } from 'vitest';
import { createApiKey, createLink, expectProblem, signup, test } from './support/api.ts';

let user: Awaited<ReturnType<typeof signup>>;
let link: { id: string };
test.beforeAll(async ({ api }) => {
  user = await signup(api);
  link = await createLink(api, user.auth, { url: 'https://example.com/s', title: 's' });
});

describe('stats errors', () => {
  test.for([
    ['an hourly range over 31 days', '?from=2026-01-01&to=2026-02-15&interval=hour'],
    ['a daily range over 2 years', '?from=2020-01-01&to=2026-01-01'],
    ['from after to', '?from=2026-03-05&to=2026-03-01'],
    ['an unparseable date', '?from=yesterday'],
    ['an unknown interval', '?interval=week'],
    ['a date before 1970', '?from=-271821-04-20T00:00:00Z&to=-271821-04-21T00:00:00Z'],
    ['a date past year 9999', '?from=%2B200000-01-01T00:00:00Z&to=%2B200000-01-02T00:00:00Z'],
  ])('rejects %s with 400', async ([_name, query], { api }) => {
    expectProblem(
      await api.app.inject({ url: `/api/v1/links/${link.id}/stats${query}`, headers: user.auth }),
      400,
    );
  });
});

describe('stats authorization', () => {
  test("answers 404 for another account's link stats and 403 for a key without stats:read", async ({
    api,
  }) => {
    const other = await signup(api);
    expectProblem(await api.app.inject({ url: `/api/v1/links/${link.id}/stats`, headers: other.auth }), 404);
    const key = await createApiKey(api, user.token, ['links:read', 'links:write']);
    expectProblem(await api.app.inject({ url: `/api/v1/links/${link.id}/stats`, headers: key.auth }), 403);
    expectProblem(await api.app.inject({ url: '/api/v1/stats', headers: key.auth }), 403);
    expect(
      (await api.app.inject({ url: `/api/v1/links/${link.id}/stats`, headers: user.auth })).statusCode,
    ).toBe(200);
  });
});
