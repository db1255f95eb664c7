import { describe, expect } from 'vitest';
import {
  test as base,
  createApiKey,
  expectProblem,
  PASSWORD,
  signup,
  type TestApi,
  uniqueEmail,
} from './support/api.ts';

// The file's database starts empty, so the first account signed up here is the instance admin.
const test = base.extend('admin', { scope: 'file' }, async ({ api }) => signup(api, uniqueEmail('admin')));

const patchUser = (
  api: TestApi,
  auth: Record<string, string>,
  id: string,
  payload: Record<string, unknown>,
) => api.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${id}`, headers: auth, payload });

const login = (api: TestApi, email: string) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });

describe('instance admin: users', () => {
  test('lists users by email, page by page, and searches the email', async ({ api, admin }) => {
    const tag = `pager${Date.now().toString(36)}`;
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push((await signup(api, uniqueEmail(`${tag}-${i}`))).email);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `q=${tag.toUpperCase()}&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const res = await api.app.inject({ url: `/api/v1/admin/users?${query}`, headers: admin.auth });
      expect(res.statusCode).toBe(200);
      const page = res.json() as { items: { email: string; isAdmin: boolean }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.email));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...mine].sort());

    const all = await api.app.inject({ url: '/api/v1/admin/users?limit=500', headers: admin.auth });
    expect(all.json().items).toContainEqual(
      expect.objectContaining({ id: admin.user.id, email: admin.email, isAdmin: true, disabledAt: null }),
    );
  });

  test('disabling a user stops their session and API key at once and refuses login; re-enabling restores them', async ({
    api,
    admin,
  }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    const disabled = await patchUser(api, admin.auth, user.user.id, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabledAt).toEqual(expect.any(String));

    for (const auth of [user.auth, key.auth]) {
      const refused = expectProblem(await api.app.inject({ url: '/api/v1/links', headers: auth }), 403);
      expect(refused.detail).toBe('this account is disabled; an instance admin can re-enable it');
    }
    expectProblem(await login(api, user.email), 403);
    // A wrong password still reads like any wrong password: being disabled is told only to the owner.
    const guess = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: 'not the password' },
    });
    expectProblem(guess, 401);

    expect(
      (await patchUser(api, admin.auth, user.user.id, { disabled: false })).json().disabledAt,
    ).toBeNull();
    for (const auth of [user.auth, key.auth]) {
      expect((await api.app.inject({ url: '/api/v1/links', headers: auth })).statusCode).toBe(200);
    }
    expect((await login(api, user.email)).statusCode).toBe(200);
  });

  test('grants and revokes instance admin, but never leaves the instance without an enabled admin', async ({
    api,
    admin,
  }) => {
    const other = await signup(api);
    expectProblem(await patchUser(api, admin.auth, admin.user.id, { isAdmin: false }), 409);
    expectProblem(await patchUser(api, admin.auth, admin.user.id, { disabled: true }), 409);

    expect((await patchUser(api, admin.auth, other.user.id, { isAdmin: true })).json().isAdmin).toBe(true);
    const users = await api.app.inject({ url: '/api/v1/admin/users', headers: other.auth });
    expect(users.statusCode).toBe(200);
    // With a second admin, the first may step down; then the second is the last one.
    expect((await patchUser(api, admin.auth, admin.user.id, { isAdmin: false })).json().isAdmin).toBe(false);
    expectProblem(await api.app.inject({ url: '/api/v1/admin/users', headers: admin.auth }), 403);
    expectProblem(await patchUser(api, other.auth, other.user.id, { isAdmin: false }), 409);
    expect((await patchUser(api, other.auth, admin.user.id, { isAdmin: true })).statusCode).toBe(200);
  });

  test('refuses members, API keys (even an admin’s) and unknown users', async ({ api, admin }) => {
    const member = await signup(api);
    const routes = [
      { method: 'GET' as const, url: '/api/v1/admin/users' },
      { method: 'GET' as const, url: `/api/v1/admin/users/${admin.user.id}` },
      { method: 'GET' as const, url: '/api/v1/admin/audit-log' },
    ];
    const adminKey = await createApiKey(api, admin.token);
    for (const route of routes) {
      expect(expectProblem(await api.app.inject({ ...route, headers: member.auth }), 403).detail).toBe(
        'only an instance admin may do this',
      );
      expectProblem(await api.app.inject({ ...route, headers: adminKey.auth }), 403);
      expectProblem(await api.app.inject(route), 401);
    }
    expectProblem(await patchUser(api, member.auth, member.user.id, { isAdmin: true }), 403);
    expectProblem(
      await patchUser(api, admin.auth, '00000000-0000-4000-8000-000000000000', { disabled: true }),
      404,
    );
    expectProblem(await patchUser(api, admin.auth, member.user.id, {}), 400);
  });

  test('records what admins did in the instance audit log, newest first', async ({ api, admin }) => {
    const user = await signup(api);
    await patchUser(api, admin.auth, user.user.id, { disabled: true });
    await patchUser(api, admin.auth, user.user.id, { disabled: false, isAdmin: true });
    const res = await api.app.inject({ url: '/api/v1/admin/audit-log?limit=3', headers: admin.auth });
    expect(res.statusCode).toBe(200);
    const actions = (
      res.json().items as { action: string; target: { id: string }; actor: { email: string } }[]
    )
      .filter((item) => item.target.id === user.user.id)
      .map((item) => [item.action, item.actor.email]);
    expect(actions).toEqual([
      ['admin.granted', admin.email],
      ['user.enabled', admin.email],
      ['user.disabled', admin.email],
    ]);
  });
});
