import {
  createCacheRedis,
  createSubscriber,
  type RedisClient,
  waitForReady,
} from '@boltlink/redis-keys/clients';
import { decodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { uniquePrefix } from '@boltlink/testing/redis';
import {
  type LocalRedisCluster,
  redisClusterUnavailable,
  startRedisCluster,
} from '@boltlink/testing/redis-cluster';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  createLink,
  expectProblem,
  PASSWORD,
  signup,
  startTestApi,
  type TestApi,
  test,
} from './support/api.ts';

// The API's state, cache and queue connections all on one real Redis Cluster of six servers.
const unavailable = redisClusterUnavailable();
if (unavailable) console.warn(`Redis Cluster tests skipped: ${unavailable}`);

let cluster: LocalRedisCluster;
const apis: TestApi[] = [];
const opened: RedisClient[] = [];

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startRedisCluster();
}, 60_000);

afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()));
  for (const client of opened) client.disconnect();
  await cluster?.stop();
});

async function clusterApi(database: TestApi['database'], env: Record<string, string> = {}) {
  const api = await startTestApi(
    { REDIS_URL: cluster.url, ...env },
    { database, prefix: uniquePrefix('api-cluster') },
  );
  apis.push(api);
  return api;
}

async function until(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sessionCookie = (res: { cookies: { name: string; value: string }[] }) =>
  res.cookies.find((cookie) => cookie.name === 'boltlink_session');

describe.skipIf(unavailable !== undefined)('the management API on a Redis Cluster', () => {
  test('a browser session lives on the cluster from sign-up to sign-out', async ({ database }) => {
    const api = await clusterApi(database);
    const user = await signup(api);
    const login = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    const cookie = sessionCookie(login);
    expect(cookie?.value).toBeTruthy();
    const cookies = { boltlink_session: cookie?.value ?? '' };
    const me = await api.app.inject({ url: '/api/v1/me', cookies });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: user.email });

    const logout = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies,
      headers: { 'boltlink-csrf': '1' },
    });
    expect(logout.statusCode).toBe(204);
    expect((await api.app.inject({ url: '/api/v1/me', cookies })).statusCode).toBe(401);
    // Signing out everywhere ends the bearer session of the sign-up too (the user's epoch key).
    expect((await api.app.inject({ url: '/api/v1/me', headers: user.auth })).statusCode).toBe(200);
    await api.app.inject({ method: 'POST', url: '/api/v1/auth/logout-everywhere', headers: user.auth });
    expect((await api.app.inject({ url: '/api/v1/me', headers: user.auth })).statusCode).toBe(401);
  });

  test('limits requests per client and failed logins per account on the cluster', async ({ database }) => {
    const api = await clusterApi(database, {
      DEFAULT_RATE_LIMIT_MAX: '4',
      LOGIN_ACCOUNT_RATE_LIMIT_MAX: '3',
    });
    const user = await signup(api);
    const login = (password: string) =>
      api.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password },
        remoteAddress: '198.51.100.7',
      });
    for (let i = 0; i < 3; i += 1) expect((await login('wrong password')).statusCode).toBe(401);
    expectProblem(await login(PASSWORD), 429);

    const statuses = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push(
        (await api.app.inject({ url: '/api/v1/me', headers: user.auth, remoteAddress: '203.0.113.9' }))
          .statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  test('caches new links on the cluster and announces their edits to every edge', async ({ database }) => {
    const api = await clusterApi(database);
    const cache = createCacheRedis(cluster.url);
    const subscriber = createSubscriber(cluster.url);
    opened.push(cache, subscriber);
    await Promise.all([waitForReady(cache), waitForReady(subscriber)]);
    const announced: string[] = [];
    subscriber.on('message', (_channel, raw: string) => {
      const message = decodeLinkInvalidation(raw);
      if (message) announced.push(message.code);
    });
    await subscriber.subscribe(api.keys.invalidationChannel());

    const user = await signup(api);
    const created = [];
    for (let i = 0; i < 6; i += 1)
      created.push(await createLink(api, user.auth, { url: `https://example.com/${i}` }));
    for (const link of created) {
      expect(await cache.get(api.keys.linkCache(link.domain, link.code))).toContain(`https://example.com/`);
    }
    for (const link of created) {
      const res = await api.app.inject({
        method: 'PATCH',
        url: `/api/v1/links/${link.id}`,
        headers: user.auth,
        payload: { url: `https://example.com/moved/${link.code}` },
      });
      expect(res.statusCode).toBe(200);
    }
    const codes = created.map((link) => link.code);
    await until(async () => codes.every((code) => announced.includes(code)), 5000);
    for (const link of created) {
      expect(await cache.get(api.keys.linkCache(link.domain, link.code))).toContain(
        `https://example.com/moved/${link.code}`,
      );
    }
  });
});
