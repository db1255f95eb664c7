import { createHash } from 'node:crypto';
import { apiKeys } from '@boltlink/db/schema';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { createApiKey, signup, test } from './support/api.ts';

describe('API keys', () => {
  test('creates a bl_ key shown once, stored as its SHA-256 only, listed by prefix and last four', async ({
    api,
  }) => {
    const user = await signup(api);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: user.auth,
      payload: { name: 'ci', scopes: ['links:read'] },
    });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created.key).toMatch(/^bl_[A-Za-z0-9_-]{32}$/);
    // 32 base64url characters carry 192 random bits.
    expect(created.prefix).toBe(created.key.slice(0, 8));
    expect(created.scopes).toEqual(['links:read']);

    const [row] = await api.database.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row?.keyHash).toBe(createHash('sha256').update(created.key).digest('hex'));
    expect(row?.lastFour).toBe(created.key.slice(-4));

    const list = await api.app.inject({ url: '/api/v1/api-keys', headers: user.auth });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(created.key);
    expect(list.json().items).toEqual([
      {
        id: created.id,
        name: 'ci',
        prefix: created.prefix,
        lastFour: created.key.slice(-4),
        scopes: ['links:read'],
        createdAt: expect.any(String),
        lastUsedAt: null,
      },
    ]);
  });

  test('grants every scope when none is asked for', async ({ api }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    expect(key.scopes.sort()).toEqual(['links:read', 'links:write', 'stats:read']);
    const me = await api.app.inject({ url: '/api/v1/me', headers: key.auth });
    expect(me.json().id).toBe(user.user.id);
  });

  test('tracks lastUsedAt in Redis and writes it to Postgres in a batch flush', async ({ api }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    for (let i = 0; i < 5; i++) {
      expect((await api.app.inject({ url: '/api/v1/links', headers: key.auth })).statusCode).toBe(200);
    }
    // Recorded without a database write per request...
    const [before] = await api.database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(before?.lastUsedAt).toBeNull();
    await expect.poll(() => api.redis.hget(api.keys.apiKeyLastUsed(), key.id)).not.toBeNull();
    // ...yet already visible in the listing.
    const listed = (await api.app.inject({ url: '/api/v1/api-keys', headers: user.auth })).json().items[0];
    expect(Date.parse(listed.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);

    expect(await api.app.flushApiKeyUsage()).toBeGreaterThanOrEqual(1);
    const [after] = await api.database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(after?.lastUsedAt?.toISOString()).toBe(listed.lastUsedAt);
    expect(await api.redis.hget(api.keys.apiKeyLastUsed(), key.id)).toBeNull();
  });

  test('revokes a key: 204, gone from the list, and 401 on its very next request', async ({ api }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    expect((await api.app.inject({ url: '/api/v1/links', headers: key.auth })).statusCode).toBe(200);
    const del = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${key.id}`,
      headers: user.auth,
    });
    expect(del.statusCode).toBe(204);
    expect((await api.app.inject({ url: '/api/v1/links', headers: key.auth })).statusCode).toBe(401);
    const list = await api.app.inject({ url: '/api/v1/api-keys', headers: user.auth });
    expect(list.json().items).toEqual([]);
  });
});
