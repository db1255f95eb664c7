import { apiKeys, users } from '@boltlink/db/schema';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import {
  test as apiTest,
  createApiKey,
  expectProblem,
  PASSWORD,
  signup,
  uniqueEmail,
} from './support/api.ts';

const test = apiTest.extend(
  'apiEnv',
  { scope: 'file' },
  { SIGNUP_RATE_LIMIT_MAX: '3', LOGIN_RATE_LIMIT_MAX: '1000' },
);

describe('secrets at rest and in logs', () => {
  test('never stores or logs passwords, session tokens or API keys in plaintext', async ({ api }) => {
    const password = 'Sup3r-Secret-Passw0rd-for-log-check';
    const email = uniqueEmail('secret');
    const signupRes = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password },
    });
    const token = signupRes.json().token as string;
    // A failed login and a server-side validation error put the password through the error path too.
    await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: `${password}x` },
    });
    await api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    const key = await createApiKey(api, token);
    await api.app.inject({ url: '/api/v1/links', headers: key.auth });
    await api.app.inject({ url: '/api/v1/me?token=leak', headers: { authorization: `Bearer ${token}` } });
    const link = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: key.auth,
      payload: { url: 'https://example.com/', password: 'link-pass-secret' },
    });
    expect(link.statusCode).toBe(201);

    const [user] = await api.database.db.select().from(users).where(eq(users.email, email));
    expect(user?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user?.passwordHash).not.toContain(password);
    const [keyRow] = await api.database.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(JSON.stringify(keyRow)).not.toContain(key.key);
    const { rows } = await api.database.pool.query('SELECT password_hash FROM links WHERE id = $1', [
      link.json().id,
    ]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);

    const logs = api.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [password, token, key.key, 'link-pass-secret']) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toContain('token=leak');
  });

  test('ignores credentials passed in the URL', async ({ api }) => {
    const user = await signup(api);
    const key = await createApiKey(api, user.token);
    for (const query of [`api_key=${key.key}`, `key=${key.key}`, `access_token=${user.token}`]) {
      expectProblem(await api.app.inject({ url: `/api/v1/me?${query}` }), 401);
    }
  });
});

describe('rate limits on account creation', () => {
  test('limits sign-ups per client IP with 429, Retry-After and rate-limit headers', async ({ api }) => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof api.app.inject>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await api.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: uniqueEmail('burst'), password: PASSWORD },
        remoteAddress: '203.0.113.7',
      });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const problem = expectProblem(last!, 429);
    expect(problem.type).toBe('https://boltlink.dev/problems/rate-limited');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.headers['x-ratelimit-limit']).toBe('3');
    // Another client IP is unaffected.
    const other = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: uniqueEmail('other'), password: PASSWORD },
      remoteAddress: '203.0.113.8',
    });
    expect(other.statusCode).toBe(201);
  });

  test('does not trust X-Forwarded-For without TRUST_PROXY', async ({ api }) => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: uniqueEmail('xff'), password: PASSWORD },
        remoteAddress: '203.0.113.50',
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  test('keeps counters in Redis under the configured prefix', async ({ api }) => {
    const keys = await api.redis.keys(`${api.keys.rateLimit('api')}*`);
    expect(keys.length).toBeGreaterThan(0);
  });
});
