import { decodeBlocklistChange } from '@boltlink/redis-keys/blocked-destinations';
import { createSubscriber, type RedisClient, waitForReady } from '@boltlink/redis-keys/clients';
import { decodeCachedLink, decodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { testRedisUrl } from '@boltlink/testing/redis';
import { describe, expect } from 'vitest';
import {
  test as base,
  createApiKey,
  createLink,
  expectProblem,
  signup,
  type TestApi,
  uniqueEmail,
} from './support/api.ts';

// The file's database starts empty, so the first account signed up here is the instance admin.
const test = base.extend('admin', { scope: 'file' }, async ({ api }) => signup(api, uniqueEmail('admin')));

let subscriber: RedisClient;
const heard: { channel: 'link' | 'blocklist'; code?: string }[] = [];
test.beforeAll(async ({ api }) => {
  subscriber = createSubscriber(testRedisUrl());
  await waitForReady(subscriber);
  subscriber.on('message', (channel: string, raw: string) => {
    if (channel === api.keys.blocklistChannel() && decodeBlocklistChange(raw))
      heard.push({ channel: 'blocklist' });
    const link = decodeLinkInvalidation(raw);
    if (channel === api.keys.invalidationChannel() && link) heard.push({ channel: 'link', code: link.code });
  });
  await subscriber.subscribe(api.keys.invalidationChannel(), api.keys.blocklistChannel());
});
test.afterAll(async () => {
  await subscriber?.quit();
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
};

const block = (api: TestApi, auth: Record<string, string>, hostname: string, reason?: string) =>
  api.app.inject({
    method: 'POST',
    url: '/api/v1/admin/blocked-destinations',
    headers: auth,
    payload: reason === undefined ? { hostname } : { hostname, reason },
  });

describe('instance admin: blocks', () => {
  test('a blocked destination (and its subdomains) is refused for new links and edits, announced to the edges, and allowed again once unblocked', async ({
    api,
    admin,
  }) => {
    const user = await signup(api);
    const existing = await createLink(api, user.auth, { url: 'https://example.com/' });
    const host = `bad-${Date.now().toString(36)}.example`;

    const blocked = await block(api, admin.auth, host.toUpperCase(), 'phishing');
    expect(blocked.statusCode).toBe(201);
    expect(blocked.json()).toMatchObject({ hostname: host, reason: 'phishing' });
    expect(await until(() => heard.some((m) => m.channel === 'blocklist'))).toBe(true);
    expectProblem(await block(api, admin.auth, host), 409);
    const listed = await api.app.inject({ url: '/api/v1/admin/blocked-destinations', headers: admin.auth });
    expect(listed.json().items).toContainEqual(expect.objectContaining({ hostname: host }));

    for (const url of [`https://${host}/x`, `https://deep.www.${host}/`]) {
      const refused = await api.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        headers: user.auth,
        payload: { url },
      });
      expect(expectProblem(refused, 400).detail).toBe('url: destination domain is blocked');
    }
    const edit = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/links/${existing.id}`,
      headers: user.auth,
      payload: { url: `https://${host}/` },
    });
    expectProblem(edit, 400);
    const bulk = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links/bulk',
      headers: user.auth,
      payload: { links: [{ url: `https://${host}/` }, { url: 'https://example.org/' }] },
    });
    expect(bulk.json().items.map((item: { error?: unknown }) => item.error === undefined)).toEqual([
      false,
      true,
    ]);
    expect((await createLink(api, user.auth, { url: `https://not${host}/` })).url).toBe(
      `https://not${host}/`,
    );

    const removed = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/blocked-destinations/${host}`,
      headers: admin.auth,
    });
    expect(removed.statusCode).toBe(204);
    expect((await createLink(api, user.auth, { url: `https://${host}/x` })).url).toBe(`https://${host}/x`);
    expectProblem(
      await api.app.inject({
        method: 'DELETE',
        url: `/api/v1/admin/blocked-destinations/${host}`,
        headers: admin.auth,
      }),
      404,
    );
    expectProblem(await block(api, admin.auth, 'com'), 400);
    expectProblem(await block(api, admin.auth, 'https://evil.example/path'), 400);
  });

  test('blocking a link of any workspace drops its cached copy and announces it; unblocking restores it', async ({
    api,
    admin,
  }) => {
    const user = await signup(api);
    const link = await createLink(api, user.auth, { url: 'https://example.com/landing' });
    const cacheKey = api.keys.linkCache(link.domain, link.code);
    expect(decodeCachedLink(await api.redis.get(cacheKey))?.blocked).toBeUndefined();

    const res = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/links/${link.id}`,
      headers: admin.auth,
      payload: { blocked: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: link.id, code: link.code, blockedAt: expect.any(String) });
    expect(await api.redis.get(cacheKey)).toBeNull();
    expect(await until(() => heard.some((m) => m.channel === 'link' && m.code === link.code))).toBe(true);

    const unblocked = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/links/${link.id}`,
      headers: admin.auth,
      payload: { blocked: false },
    });
    expect(unblocked.json().blockedAt).toBeNull();

    const audit = await api.app.inject({ url: '/api/v1/admin/audit-log?limit=2', headers: admin.auth });
    expect(audit.json().items.map((item: { action: string }) => item.action)).toEqual([
      'link.unblocked',
      'link.blocked',
    ]);
  });

  test('only instance admins with a session block anything', async ({ api, admin }) => {
    const user = await signup(api);
    const link = await createLink(api, user.auth, { url: 'https://example.com/' });
    const key = await createApiKey(api, admin.token);
    for (const auth of [user.auth, key.auth]) {
      expectProblem(await block(api, auth, 'nope.example'), 403);
      expectProblem(
        await api.app.inject({
          method: 'PATCH',
          url: `/api/v1/admin/links/${link.id}`,
          headers: auth,
          payload: { blocked: true },
        }),
        403,
      );
    }
  });
});
