import { users } from '@boltlink/db/schema';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import { PASSWORD, signup, startTestApi, test, uniqueEmail } from './support/api.ts';

describe('sign-up, login, me, logout', () => {
  test('signs up with a normalized email and returns a working session token', async ({ api }) => {
    const email = uniqueEmail('Mixed');
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: `  ${email.toUpperCase()} `, password: PASSWORD },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user.email).toBe(email.toLowerCase());
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const me = await api.app.inject({
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ id: body.user.id, email: email.toLowerCase(), isAdmin: expect.any(Boolean) });
  });

  test('logs in with any casing of the email and gets a fresh token', async ({ api }) => {
    const user = await signup(api);
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ` ${user.email.toUpperCase()}`, password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const { token } = res.json();
    expect(token).not.toBe(user.token);
    const me = await api.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json().id).toBe(user.user.id);
  });

  test('logout revokes the token at once, other sessions stay valid', async ({ api }) => {
    const user = await signup(api);
    const login = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    const second = { authorization: `Bearer ${login.json().token}` };

    const out = await api.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: user.auth });
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');
    const after = await api.app.inject({ url: '/api/v1/me', headers: user.auth });
    expect(after.statusCode).toBe(401);
    expect((await api.app.inject({ url: '/api/v1/me', headers: second })).statusCode).toBe(200);
  });

  test('sessions live in Redis under the hash of the token, with a TTL', async ({ api }) => {
    const user = await signup(api);
    const { createHash } = await import('node:crypto');
    const key = api.keys.session(createHash('sha256').update(user.token).digest('hex'));
    const ttl = await api.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400);
    expect(await api.redis.get(key)).not.toContain(user.token);
  });

  test('rehashes the password at login when the argon2 parameters were raised', async ({ api }) => {
    const user = await signup(api);
    const [before] = await api.database.db.select().from(users).where(eq(users.id, user.user.id));
    expect(before?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);

    const stronger = await startTestApi(
      { ARGON2_TIME_COST: '3' },
      { database: api.database, prefix: api.prefix },
    );
    try {
      const res = await stronger.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: PASSWORD },
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await stronger.close();
    }
    const [after] = await api.database.db.select().from(users).where(eq(users.id, user.user.id));
    expect(after?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=3\$/);
    // An instance still on the old parameters verifies the stronger hash and does not downgrade it.
    const again = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: PASSWORD },
    });
    expect(again.statusCode).toBe(200);
    const [kept] = await api.database.db.select().from(users).where(eq(users.id, user.user.id));
    expect(kept?.passwordHash).toBe(after?.passwordHash);
  });
});
