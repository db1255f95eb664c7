import { describe, expect } from 'vitest';
import { test as apiTest, createApiKey, expectProblem, signup } from './support/api.ts';

const test = apiTest.extend('apiEnv', { scope: 'file' }, { API_KEY_CREATE_RATE_LIMIT_MAX: '3' });

describe('API key authorization', () => {
  test("answers 404 when revoking another account's key, and the key keeps working", async ({ api }) => {
    const alice = await signup(api);
    const bob = await signup(api);
    const key = await createApiKey(api, alice.token);
    const res = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${key.id}`,
      headers: bob.auth,
    });
    expectProblem(res, 404);
    expect((await api.app.inject({ url: '/api/v1/me', headers: key.auth })).statusCode).toBe(200);
    const bobList = await api.app.inject({ url: '/api/v1/api-keys', headers: bob.auth });
    expect(bobList.json().items).toEqual([]);
  });

  test('enforces scopes with 403', async ({ api }) => {
    const user = await signup(api);
    const readOnly = await createApiKey(api, user.token, ['links:read']);
    const writer = await createApiKey(api, user.token, ['links:write']);
    const create = {
      method: 'POST' as const,
      url: '/api/v1/links',
      payload: { url: 'https://example.com/' },
    };

    expectProblem(await api.app.inject({ ...create, headers: readOnly.auth }), 403);
    expect((await api.app.inject({ ...create, headers: writer.auth })).statusCode).toBe(201);
    expect((await api.app.inject({ url: '/api/v1/links', headers: readOnly.auth })).statusCode).toBe(200);
    expectProblem(await api.app.inject({ url: '/api/v1/links', headers: writer.auth }), 403);
    const stats = expectProblem(await api.app.inject({ url: '/api/v1/stats', headers: readOnly.auth }), 403);
    expect(stats.detail).toContain('stats:read');
  });

  test('does not let an API key mint, list or revoke keys', async ({ api }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    expectProblem(
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: key.auth,
        payload: { name: 'x' },
      }),
      403,
    );
    expectProblem(await api.app.inject({ url: '/api/v1/api-keys', headers: key.auth }), 403);
    expectProblem(
      await api.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, headers: key.auth }),
      403,
    );
  });

  test('rejects unknown scopes', async ({ api }) => {
    const user = await signup(api);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: user.auth,
      payload: { name: 'x', scopes: ['admin'] },
    });
    expect(expectProblem(res, 400).detail).toContain('scopes');
    const blank = await api.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: user.auth,
      payload: { name: '   ' },
    });
    expect(expectProblem(blank, 400).detail).toContain('name');
  });

  test('limits API key creation per account with 429', async ({ api }) => {
    const user = await signup(api);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: user.auth,
        payload: { name: `k${i}` },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    // The limit is per account: another user still creates keys.
    const other = await signup(api);
    expect((await createApiKey(api, other.token)).key).toMatch(/^bl_/);
  });
});
