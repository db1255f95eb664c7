import { describe, expect } from 'vitest';
import {
  test as apiTest,
  expectProblem,
  PASSWORD,
  signup,
  type TestApi,
  uniqueEmail,
} from './support/api.ts';

const test = apiTest.extend(
  'apiEnv',
  { scope: 'file' },
  { LOGIN_ACCOUNT_RATE_LIMIT_MAX: '3', SIGNUP_RATE_LIMIT_MAX: '1000' },
);

const post = (api: TestApi, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  api.app.inject({ method: 'POST', url, payload: payload as object, headers });

// Headers that differ between any two requests whatever their outcome (time, counters of the per-IP limit).
const VOLATILE = new Set(['date', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-request-id']);
const stable = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !VOLATILE.has(name)));

describe('sign-up validation', () => {
  test.for([
    ['a 7-character password', { email: uniqueEmail(), password: '1234567' }, 'password'],
    ['a 257-character password', { email: uniqueEmail(), password: 'x'.repeat(257) }, 'password'],
    ['a missing email', { password: PASSWORD }, 'email'],
    ['an email without @', { email: 'not-an-email', password: PASSWORD }, 'email'],
    ['an unknown field', { email: uniqueEmail(), password: PASSWORD, admin: true }, 'admin'],
  ])('rejects %s with a 400 naming the field', async ([_name, payload, field], { api }) => {
    const problem = expectProblem(await post(api, '/api/v1/auth/signup', payload), 400);
    expect(problem.detail).toContain(field);
    expect(problem.type).toBe('https://boltlink.dev/problems/validation-failed');
  });

  test('rejects a JSON syntax error with a 400 problem', async ({ api }) => {
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expectProblem(res, 400);
  });

  test('answers 409 for an email that is taken, in any casing', async ({ api }) => {
    const user = await signup(api);
    const problem = expectProblem(
      await post(api, '/api/v1/auth/signup', { email: user.email.toUpperCase(), password: PASSWORD }),
      409,
    );
    expect(problem.type).toBe('https://boltlink.dev/problems/conflict');
  });
});

describe('login failures', () => {
  test('answers an unknown email and a wrong password with the same 401, body and headers', async ({
    api,
  }) => {
    const user = await signup(api);
    const unknown = await post(api, '/api/v1/auth/login', {
      email: uniqueEmail('ghost'),
      password: PASSWORD,
    });
    const wrong = await post(api, '/api/v1/auth/login', { email: user.email, password: `${PASSWORD}!` });
    expectProblem(unknown, 401);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(stable(wrong.headers)).toEqual(stable(unknown.headers));
  });

  test('spends comparable time on unknown emails and wrong passwords (dummy verify)', async ({ api }) => {
    const user = await signup(api);
    const time = async (email: string) => {
      const started = performance.now();
      await post(api, '/api/v1/auth/login', { email, password: 'wrong password!' });
      return performance.now() - started;
    };
    // argon2id with m=19 MiB, t=2 takes several milliseconds; without a dummy verify an unknown email
    // would answer in well under one.
    const unknown = await time(uniqueEmail('nobody'));
    const wrong = await time(user.email);
    expect(unknown).toBeGreaterThan(wrong * 0.3);
  });

  test('locks an account after repeated failures with 429 and Retry-After, for the right password too', async ({
    api,
  }) => {
    const user = await signup(api);
    for (let i = 0; i < 3; i++) {
      expect(
        (await post(api, '/api/v1/auth/login', { email: user.email, password: 'wrong password' })).statusCode,
      ).toBe(401);
    }
    const locked = await post(api, '/api/v1/auth/login', { email: user.email, password: PASSWORD });
    const problem = expectProblem(locked, 429);
    expect(problem.type).toBe('https://boltlink.dev/problems/rate-limited');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Another account is not affected.
    const other = await signup(api);
    expect(
      (await post(api, '/api/v1/auth/login', { email: other.email, password: PASSWORD })).statusCode,
    ).toBe(200);
  });

  const loginFrom = (api: TestApi, remoteAddress: string, email: string, password: string) =>
    api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress,
    });

  test('does not let failures from one client lock the owner out from another address', async ({ api }) => {
    const user = await signup(api);
    for (let i = 0; i < 3; i++) {
      expect((await loginFrom(api, '198.51.100.7', user.email, 'wrong password')).statusCode).toBe(401);
    }
    expectProblem(await loginFrom(api, '198.51.100.7', user.email, PASSWORD), 429);
    // The owner, elsewhere, still gets in with the right password.
    expect((await loginFrom(api, '203.0.113.77', user.email, PASSWORD)).statusCode).toBe(200);
  });

  test('refuses an account for everyone once failures spread over many addresses pass the account ceiling', async ({
    api,
  }) => {
    const user = await signup(api);
    // 3 failures per address (the per-client limit in this suite) from 10 addresses: 30 = 10 x 3.
    for (let host = 1; host <= 10; host++) {
      for (let i = 0; i < 3; i++) {
        expect((await loginFrom(api, `192.0.2.${host}`, user.email, 'wrong password')).statusCode).toBe(401);
      }
    }
    const refused = await loginFrom(api, '203.0.113.78', user.email, PASSWORD);
    expectProblem(refused, 429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('authentication of requests', () => {
  test.for<[string, Record<string, string>]>([
    ['no Authorization header', {}],
    ['a Basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an unknown session token', { authorization: `Bearer ${'A'.repeat(43)}` }],
    ['an unknown API key', { authorization: `Bearer bl_${'A'.repeat(32)}` }],
  ])('answers 401 problem+json with WWW-Authenticate for %s', async ([_name, headers], { api }) => {
    const res = await api.app.inject({ url: '/api/v1/me', headers });
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="boltlink"/);
  });

  test('answers unknown routes with a 404 problem', async ({ api }) => {
    expectProblem(await api.app.inject({ url: '/api/v1/nope' }), 404);
  });
});
