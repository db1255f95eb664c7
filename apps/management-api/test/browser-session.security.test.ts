import { describe, expect } from 'vitest';
import { test as apiTest, PASSWORD, signup, uniqueEmail } from './support/api.ts';

const DASHBOARD = 'http://dashboard.test';
const test = apiTest.extend(
  'apiEnv',
  { scope: 'file' },
  { CORS_ORIGINS: DASHBOARD, TRUST_PROXY: 'loopback' },
);

type Res = { cookies: { name: string; value: string; [key: string]: unknown }[] };
const sessionCookie = (res: Res) => res.cookies.find((cookie) => cookie.name === 'boltlink_session');

describe('browser sessions (the dashboard)', () => {
  test('login sets an HttpOnly, SameSite=Strict session cookie, Secure under https', async ({ api }) => {
    const { email } = await signup(api);
    const plain = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(plain.statusCode).toBe(200);
    const cookie = sessionCookie(plain);
    expect(cookie).toMatchObject({
      value: plain.json().token,
      httpOnly: true,
      sameSite: 'Strict',
      path: '/api/v1',
    });
    expect(cookie?.secure).toBeUndefined();

    const https = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { email, password: PASSWORD },
    });
    expect(sessionCookie(https)).toMatchObject({ secure: true, httpOnly: true });
  });

  test('the cookie reads freely, but writes only with the CSRF header from an allowed origin', async ({
    api,
  }) => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: uniqueEmail('browser'), password: PASSWORD },
    });
    expect(res.statusCode).toBe(201);
    const cookies = { boltlink_session: sessionCookie(res)?.value ?? '' };
    const bearer = { authorization: `Bearer ${res.json().token}` };

    const me = await api.app.inject({ url: '/api/v1/me', cookies });
    expect(me.statusCode).toBe(200);
    expect(me.json().id).toBe(res.json().user.id);

    const create = (headers: Record<string, string>) =>
      api.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        cookies,
        headers,
        payload: { url: 'https://example.com/from-the-browser' },
      });
    const forged = await create({ origin: DASHBOARD });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().detail).toMatch(/boltlink-csrf/);
    const foreign = await create({ origin: 'https://evil.example', 'boltlink-csrf': '1' });
    expect(foreign.statusCode).toBe(403);
    const listed = await api.app.inject({ url: '/api/v1/links', headers: bearer });
    expect(listed.json().items).toEqual([]);

    const allowed = await create({ origin: DASHBOARD, 'boltlink-csrf': '1' });
    expect(allowed.statusCode).toBe(201);
  });

  test('bearer tokens work as before, without a CSRF header, whatever cookie comes along', async ({
    api,
  }) => {
    const owner = await signup(api);
    const other = await signup(api);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: { ...owner.auth, origin: 'https://anywhere.example' },
      cookies: { boltlink_session: other.token },
      payload: { url: 'https://example.com/by-bearer' },
    });
    expect(res.statusCode).toBe(201);
    const mine = await api.app.inject({ url: '/api/v1/links', headers: owner.auth });
    expect(mine.json().items.map((link: { id: string }) => link.id)).toEqual([res.json().id]);
  });

  test('CORS lets the dashboard origin send credentials and the CSRF header, and no other origin', async ({
    api,
  }) => {
    const preflight = (origin: string) =>
      api.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/links',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,boltlink-csrf',
        },
      });
    const ok = await preflight(DASHBOARD);
    expect(ok.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    expect(String(ok.headers['access-control-allow-headers'])).toContain('boltlink-csrf');
    const refused = await preflight('https://evil.example');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('logout ends the session and clears the cookie', async ({ api }) => {
    const { token } = await signup(api);
    const cookies = { boltlink_session: token };
    const out = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies,
      headers: { origin: DASHBOARD, 'boltlink-csrf': '1' },
    });
    expect(out.statusCode).toBe(204);
    const cleared = sessionCookie(out);
    expect(cleared?.value).toBe('');
    expect(Number(new Date(String(cleared?.expires)))).toBeLessThan(Date.now());
    const after = await api.app.inject({ url: '/api/v1/me', cookies });
    expect(after.statusCode).toBe(401);
  });
});
