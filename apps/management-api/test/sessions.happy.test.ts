import { createHash } from 'node:crypto';
import { describe, expect } from 'vitest';
import { createSessionStore } from '../src/services/session-store.ts';
import { createApiKey, expectProblem, PASSWORD, signup, type TestApi, test } from './support/api.ts';

const NEW_PASSWORD = 'a new and longer passphrase';

async function login(api: TestApi, email: string, password = PASSWORD) {
  const res = await api.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  return { status: res.statusCode, auth: { authorization: `Bearer ${res.json().token}` } };
}

const meStatus = async (api: TestApi, auth: Record<string, string>) =>
  (await api.app.inject({ url: '/api/v1/me', headers: auth })).statusCode;

describe('sign out everywhere', () => {
  test('ends every session of the user at once, keeps their API keys and other users', async ({ api }) => {
    const user = await signup(api);
    const laptop = await login(api, user.email);
    const key = await createApiKey(api, user.token);
    const other = await signup(api);
    expect(await meStatus(api, user.auth)).toBe(200);
    expect(await meStatus(api, laptop.auth)).toBe(200);

    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout-everywhere',
      headers: laptop.auth,
    });
    expect(res.statusCode).toBe(204);

    expect(await meStatus(api, user.auth)).toBe(401);
    expect(await meStatus(api, laptop.auth)).toBe(401);
    expect((await api.app.inject({ url: '/api/v1/links', headers: key.auth })).statusCode).toBe(200);
    expect(await meStatus(api, other.auth)).toBe(200);
    // Signing in again works: the sessions after the sign-out are valid.
    const again = await login(api, user.email);
    expect(again.status).toBe(200);
    expect(await meStatus(api, again.auth)).toBe(200);
  });

  test('an API key cannot sign its user out everywhere', async ({ api }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout-everywhere',
      headers: key.auth,
    });
    expectProblem(res, 403);
    expect(await meStatus(api, user.auth)).toBe(200);
  });

  test('a session whose epoch was read before the sign-out is born ended', async ({ api }) => {
    // What a login racing a sign-out everywhere does: it read the epoch before checking the password.
    const user = await signup(api);
    const sessions = createSessionStore({
      redis: api.redis,
      keys: api.keys,
      ttlSeconds: 60,
      clock: () => new Date(),
    });
    const epoch = await sessions.epoch(user.user.id);
    await api.app.inject({ method: 'POST', url: '/api/v1/auth/logout-everywhere', headers: user.auth });
    const late = await sessions.create(user.user.id, epoch);
    expect(await meStatus(api, { authorization: `Bearer ${late}` })).toBe(401);
    const fresh = await sessions.create(user.user.id);
    expect(await meStatus(api, { authorization: `Bearer ${fresh}` })).toBe(200);
  });

  test('sessions stored before epochs existed stay valid until the first sign-out', async ({ api }) => {
    const user = await signup(api);
    const token = 'legacy-session-token-0123456789abcdefghijkl';
    const key = api.keys.session(createHash('sha256').update(token).digest('hex'));
    await api.redis.set(key, JSON.stringify({ v: 1, userId: user.user.id, createdAt: Date.now() }), 'EX', 60);
    const legacy = { authorization: `Bearer ${token}` };
    expect(await meStatus(api, legacy)).toBe(200);
    await api.app.inject({ method: 'POST', url: '/api/v1/auth/logout-everywhere', headers: user.auth });
    expect(await meStatus(api, legacy)).toBe(401);
  });

  test('new sessions stay readable by the previous release (v 1, userId), the epoch an extra field', async ({
    api,
  }) => {
    const user = await signup(api);
    const key = api.keys.session(createHash('sha256').update(user.token).digest('hex'));
    const stored = JSON.parse((await api.redis.get(key)) ?? 'null');
    expect(stored).toMatchObject({ v: 1, userId: user.user.id, epoch: 0 });
  });
});

describe('password change', () => {
  test('needs the current password; other sessions end, this one and API keys stay', async ({ api }) => {
    const user = await signup(api);
    const phone = await login(api, user.email);
    const key = await createApiKey(api, user.token);

    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: user.auth,
      payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(res.statusCode).toBe(204);

    expect(await meStatus(api, user.auth)).toBe(200);
    expect(await meStatus(api, phone.auth)).toBe(401);
    expect((await api.app.inject({ url: '/api/v1/links', headers: key.auth })).statusCode).toBe(200);
    expect((await login(api, user.email)).status).toBe(401);
    const fresh = await login(api, user.email, NEW_PASSWORD);
    expect(fresh.status).toBe(200);
    expect(await meStatus(api, fresh.auth)).toBe(200);
  });

  test('a wrong current password changes nothing and ends no session', async ({ api }) => {
    const user = await signup(api);
    const phone = await login(api, user.email);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: user.auth,
      payload: { currentPassword: 'not the password', newPassword: NEW_PASSWORD },
    });
    expect(expectProblem(res, 403).detail).toMatch(/currentPassword/);
    expect(await meStatus(api, phone.auth)).toBe(200);
    expect((await login(api, user.email)).status).toBe(200);
    expect((await login(api, user.email, NEW_PASSWORD)).status).toBe(401);
  });

  test('refuses an API key, a too short new password and a missing session', async ({ api }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    const body = { currentPassword: PASSWORD, newPassword: NEW_PASSWORD };
    const url = '/api/v1/auth/password';
    expectProblem(await api.app.inject({ method: 'POST', url, headers: key.auth, payload: body }), 403);
    expectProblem(
      await api.app.inject({
        method: 'POST',
        url,
        headers: user.auth,
        payload: { currentPassword: PASSWORD, newPassword: 'short' },
      }),
      400,
    );
    expectProblem(await api.app.inject({ method: 'POST', url, payload: body }), 401);
    expect((await login(api, user.email)).status).toBe(200);
  });
});

describe('with email off', () => {
  test('password reset by mail is refused, saying why', async ({ api }) => {
    const user = await signup(api);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: user.email },
    });
    expect(expectProblem(res, 403).detail).toMatch(/SMTP_URL/);
  });

  test('sign-up with a taken address still answers 409, as it always did', async ({ api }) => {
    const user = await signup(api);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: user.email, password: PASSWORD },
    });
    expectProblem(res, 409);
  });
});
