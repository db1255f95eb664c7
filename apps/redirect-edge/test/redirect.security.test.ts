import { testRedisUrl, uniquePrefix } from '@boltlink/testing/redis';
import argon2 from 'argon2';
import { describe, expect } from 'vitest';
import { DOMAIN, test as edgeTest, insertLink, startEdge } from './support/edge.ts';
import { edgeRequest, listenOnLoopback } from './support/http.ts';

const test = edgeTest.extend(
  'edgeEnv',
  { scope: 'file' },
  { PASSWORD_RATE_LIMIT_MAX: '3', NOT_FOUND_RATE_LIMIT_MAX: '5' },
);

let passwordHash: string;

test.beforeAll(async () => {
  passwordHash = await argon2.hash('open sesame', { type: argon2.argon2id, memoryCost: 4096, timeCost: 2 });
});

function form(password: string): string {
  return new URLSearchParams({ password }).toString();
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A form POST on the edge's real port. */
const postForm = (port: number, path: string, body: string, headers: Record<string, string>) =>
  edgeRequest(port, path, { method: 'POST', headers: { ...FORM, ...headers }, body });

describe('password-protected links', () => {
  test('shows an accessible form under a strict CSP, without redirecting or counting a click', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId, passwordHash, url: 'https://secret.example/' });
    const res = await edge.app.inject({ url: `/${link.code}?a=1&b=<x>`, headers: { host: DOMAIN } });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toContain('text/html');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.body).toContain('<label for="password">');
    expect(res.body).toContain(`action="/${link.code}?a=1&amp;b=%3Cx%3E"`);
    expect(res.body).not.toContain('<script');
    expect(res.body).not.toMatch(/(src|href)="http/);
  });

  test('answers 401 with the form again on a wrong password, and redirects with a signed cookie on the right one', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId, passwordHash, url: 'https://secret.example/' });
    const wrong = await edge.app.inject({
      method: 'POST',
      url: `/${link.code}`,
      headers: { host: DOMAIN, ...FORM },
      payload: form('guess'),
      remoteAddress: '198.51.100.1',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('role="alert"');
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const right = await edge.app.inject({
      method: 'POST',
      url: `/${link.code}?from=form`,
      headers: { host: DOMAIN, ...FORM },
      payload: form('open sesame'),
      remoteAddress: '198.51.100.1',
    });
    expect(right.statusCode).toBe(303);
    expect(right.headers.location).toBe('https://secret.example/?from=form');
    const setCookie = String(right.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toContain(`Path=/${link.code}`);
    expect(setCookie).not.toContain('open sesame');
    expect(setCookie).not.toContain(passwordHash);

    const cookie = setCookie.split(';')[0] ?? '';
    const unlocked = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN, cookie } });
    expect(unlocked.statusCode).toBe(302);
    expect(unlocked.headers.location).toBe('https://secret.example/');

    const [name, value] = cookie.split('=') as [string, string];
    const forged = `${name}=${value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`;
    const tampered = await edge.app.inject({
      url: `/${link.code}`,
      headers: { host: DOMAIN, cookie: forged },
    });
    expect(tampered.statusCode).toBe(200);
    expect(tampered.headers.location).toBeUndefined();

    const extended = `${name}=${String(Math.floor(Date.now() / 1000) + 10 ** 7)}${value.slice(value.indexOf('.'))}`;
    const replayed = await edge.app.inject({
      url: `/${link.code}`,
      headers: { host: DOMAIN, cookie: extended },
    });
    expect(replayed.statusCode).toBe(200);

    const other = await insertLink(database.db, {
      userId,
      passwordHash,
      url: 'https://other-secret.example/',
    });
    const reused = await edge.app.inject({
      url: `/${other.code}`,
      headers: {
        host: DOMAIN,
        cookie: `${other.id ? `bl_unlock_${other.id.replaceAll('-', '')}` : ''}=${value}`,
      },
    });
    expect(reused.statusCode).toBe(200);
  });

  test('refuses even the right password once the per link+client limit is reached, other clients unaffected', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId, passwordHash });
    const attempt = (password: string, ip: string) =>
      edge.app.inject({
        method: 'POST',
        url: `/${link.code}`,
        headers: { host: DOMAIN, ...FORM },
        payload: form(password),
        remoteAddress: ip,
      });
    for (let i = 0; i < 3; i += 1) expect((await attempt('wrong', '192.0.2.10')).statusCode).toBe(401);
    const limited = await attempt('open sesame', '192.0.2.10');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers.location).toBeUndefined();
    expect((await attempt('open sesame', '192.0.2.11')).statusCode).toBe(303);
  });

  test('holds a per-link ceiling on wrong passwords against guesses spread over 50 addresses (real socket, trusted proxy)', async ({
    database,
    userId,
  }) => {
    const guarded = await startEdge({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('edge-pw-ceiling'),
      env: { TRUST_PROXY: '127.0.0.1', PASSWORD_RATE_LIMIT_MAX: '3', PASSWORD_MAX_FAILURES_PER_LINK: '10' },
    });
    try {
      const port = await listenOnLoopback(guarded);
      const link = await insertLink(database.db, { userId, passwordHash });
      const other = await insertLink(database.db, { userId, passwordHash });
      const post = (code: string, password: string, client: string) =>
        postForm(port, `/${code}`, form(password), { 'x-forwarded-for': client });

      // 50 addresses, 2 guesses each, all at once: each address stays under its own limit of 3.
      const guesses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => post(link.code, `guess ${i}`, `203.0.113.${i % 50}`)),
      );
      const statuses = guesses.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 401)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(90);

      // The ceiling holds for everyone on that link, the right password and a new address included.
      const locked = await post(link.code, 'open sesame', '198.51.100.99');
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(locked.headers.location).toBeUndefined();
      // Another link is not affected.
      expect((await post(other.code, 'open sesame', '203.0.113.1')).status).toBe(303);
    } finally {
      await guarded.app.close();
    }
  });

  test('does not count right passwords towards the per-link ceiling', async ({ database, userId }) => {
    const guarded = await startEdge({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('edge-pw-ceiling-ok'),
      env: { PASSWORD_MAX_FAILURES_PER_LINK: '3' },
    });
    try {
      const link = await insertLink(database.db, { userId, passwordHash });
      const attempt = (password: string, ip: string) =>
        guarded.app.inject({
          method: 'POST',
          url: `/${link.code}`,
          headers: { host: DOMAIN, ...FORM },
          payload: form(password),
          remoteAddress: ip,
        });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1)
        statuses.push((await attempt('open sesame', `192.0.2.${100 + i}`)).statusCode);
      for (let i = 0; i < 4; i += 1) statuses.push((await attempt('wrong', `192.0.2.${110 + i}`)).statusCode);
      expect(statuses).toEqual([303, 303, 303, 303, 303, 401, 401, 401, 429]);
    } finally {
      await guarded.app.close();
    }
  });

  test('never sends the password on to the destination (303, not 307/308, after the POST)', async ({
    database,
    edge,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId, passwordHash, redirectType: 308 });
    const res = await edge.app.inject({
      method: 'POST',
      url: `/${link.code}`,
      headers: { host: DOMAIN, ...FORM },
      payload: form('open sesame'),
      remoteAddress: '192.0.2.50',
    });
    expect(res.statusCode).toBe(303);
  });
});

describe('enumeration of codes', () => {
  test('rate limits 404 answers per client (socket address, X-Forwarded-For ignored without TRUST_PROXY)', async ({
    database,
    edge,
    userId,
  }) => {
    const probe = (code: string, forwarded: string) =>
      edge.app.inject({
        url: `/${code}`,
        headers: { host: DOMAIN, 'x-forwarded-for': forwarded },
        remoteAddress: '203.0.113.77',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await probe(`scan${i}`, `10.9.9.${i}`)).statusCode);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
    const limited = await probe('scan99', '10.9.9.99');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    const link = await insertLink(database.db, { userId });
    const real = await edge.app.inject({
      url: `/${link.code}`,
      headers: { host: DOMAIN },
      remoteAddress: '203.0.113.77',
    });
    expect(real.statusCode).toBe(302);
  });

  test('uses X-Forwarded-For from a trusted proxy to tell clients apart', async ({ database }) => {
    const proxied = await startEdge({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('edge-proxy'),
      env: { TRUST_PROXY: '127.0.0.1', NOT_FOUND_RATE_LIMIT_MAX: '2' },
    });
    try {
      const probe = (client: string) =>
        proxied.app.inject({
          url: '/zzzz',
          headers: { host: DOMAIN, 'x-forwarded-for': client },
          remoteAddress: '127.0.0.1',
        });
      expect((await probe('198.51.100.20')).statusCode).toBe(404);
      expect((await probe('198.51.100.20')).statusCode).toBe(404);
      expect((await probe('198.51.100.20')).statusCode).toBe(429);
      expect((await probe('198.51.100.21')).statusCode).toBe(404);
    } finally {
      await proxied.app.close();
    }
  });

  test('caps real redirects per client with their own, separate limit', async ({ database, userId }) => {
    const limited = await startEdge({
      databaseUrl: database.url,
      redisUrl: testRedisUrl(),
      prefix: uniquePrefix('edge-redirect-limit'),
      env: { REDIRECT_RATE_LIMIT_MAX: '3' },
    });
    try {
      const link = await insertLink(database.db, { userId });
      const hit = (ip: string) =>
        limited.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN }, remoteAddress: ip });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await hit('192.0.2.80')).statusCode);
      expect(statuses).toEqual([302, 302, 302, 429]);
      expect((await hit('192.0.2.81')).statusCode).toBe(302);
      // Probes are not redirects and are never limited.
      expect((await limited.app.inject({ url: '/health', remoteAddress: '192.0.2.80' })).statusCode).toBe(
        200,
      );
    } finally {
      await limited.app.close();
    }
  });
});
