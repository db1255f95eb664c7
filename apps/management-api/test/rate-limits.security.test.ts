import { describe, expect } from 'vitest';
import { test as apiTest, createApiKey, expectProblem, signup, startTestApi } from './support/api.ts';

const test = apiTest.extend(
  'apiEnv',
  { scope: 'file' },
  { LINK_CREATE_RATE_LIMIT_MAX: '3', DEFAULT_RATE_LIMIT_MAX: '40' },
);

describe('rate limits', () => {
  test('limits link creation per account, across its sessions and API keys, whatever the IP', async ({
    api,
  }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    const statuses: number[] = [];
    for (const [i, auth] of [user.auth, key.auth, user.auth, key.auth].entries()) {
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        headers: auth,
        payload: { url: `https://example.com/${i}` },
        remoteAddress: `192.0.2.${i + 1}`,
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(expectProblem(res, 429).type).toBe('https://boltlink.dev/problems/rate-limited');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    const other = await signup(api);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: other.auth,
      payload: { url: 'https://example.com/' },
    });
    expect(res.statusCode).toBe(201);
  });

  test('applies the default per-IP limit to every route, probes excepted', async ({ api }) => {
    const ip = '198.51.100.99';
    let last = await api.app.inject({ url: '/api/v1/me', remoteAddress: ip });
    expect(last.headers['x-ratelimit-limit']).toBe('40');
    for (let i = 0; i < 40; i++) last = await api.app.inject({ url: '/api/v1/me', remoteAddress: ip });
    expectProblem(last, 429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    // Unknown paths count too (they could be used to probe), probes never do.
    expectProblem(await api.app.inject({ url: '/api/v1/unknown', remoteAddress: ip }), 429);
    expect((await api.app.inject({ url: '/health', remoteAddress: ip })).statusCode).toBe(200);
    expect((await api.app.inject({ url: '/ready', remoteAddress: ip })).statusCode).toBe(200);
  });

  test('uses X-Forwarded-For only from a trusted proxy', async () => {
    const proxied = await startTestApi({ TRUST_PROXY: '10.0.0.1', DEFAULT_RATE_LIMIT_MAX: '2' });
    try {
      const via = (client: string) =>
        proxied.app.inject({
          url: '/api/v1/me',
          remoteAddress: '10.0.0.1',
          headers: { 'x-forwarded-for': client },
        });
      await via('203.0.113.1');
      await via('203.0.113.1');
      expectProblem(await via('203.0.113.1'), 429);
      // A different client behind the same proxy has its own budget.
      expectProblem(await via('203.0.113.2'), 401);
    } finally {
      await proxied.close();
    }
  });
});
