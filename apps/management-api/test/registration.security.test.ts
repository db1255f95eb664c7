import { users } from '@boltlink/db/schema';
import { asc } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import {
  createWorkspace,
  expectProblem,
  PASSWORD,
  signup,
  startTestApi,
  type TestApi,
  uniqueEmail,
} from './support/api.ts';

// Each test starts an instance of its own on an empty database: who is "the first account" is the point.
async function withInstance(registration: string, run: (api: TestApi) => Promise<void>) {
  const api = await startTestApi({ REGISTRATION: registration });
  try {
    await run(api);
  } finally {
    await api.close();
  }
}

const trySignup = (api: TestApi, payload: Record<string, unknown>) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload });

const me = async (api: TestApi, auth: Record<string, string>) =>
  (await api.app.inject({ url: '/api/v1/me', headers: auth })).json() as { isAdmin: boolean };

describe('registration modes and the instance admin', () => {
  test('open: anyone signs up; only the first account is the instance admin', async () => {
    await withInstance('open', async (api) => {
      const first = await signup(api);
      const second = await signup(api);
      expect(await me(api, first.auth)).toMatchObject({ isAdmin: true });
      expect(await me(api, second.auth)).toMatchObject({ isAdmin: false });
    });
  });

  test('closed: the first account is allowed, then sign-up answers 403 and only an admin creates accounts', async () => {
    await withInstance('closed', async (api) => {
      const admin = await signup(api);
      expect(await me(api, admin.auth)).toMatchObject({ isAdmin: true });

      const email = uniqueEmail('refused');
      const refused = expectProblem(await trySignup(api, { email, password: PASSWORD }), 403);
      expect(refused.detail).toBe('sign-up is closed on this instance; an instance admin creates accounts');

      const created = await api.app.inject({
        method: 'POST',
        url: '/api/v1/admin/users',
        headers: admin.auth,
        payload: { email, password: PASSWORD },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ email, isAdmin: false, disabledAt: null });
      const login = await api.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: PASSWORD },
      });
      expect(login.statusCode).toBe(200);

      // Only admins: the account just created may not create another.
      const member = { authorization: `Bearer ${login.json().token}` };
      const notAdmin = await api.app.inject({
        method: 'POST',
        url: '/api/v1/admin/users',
        headers: member,
        payload: { email: uniqueEmail(), password: PASSWORD },
      });
      expect(expectProblem(notAdmin, 403).detail).toBe('only an instance admin may do this');
      expect(await api.database.db.select().from(users)).toHaveLength(2);
    });
  });

  test('invite: sign-up needs a valid invitation for that email; a refused one creates no account', async () => {
    await withInstance('invite', async (api) => {
      const owner = await signup(api);
      const team = await createWorkspace(api, owner.auth);
      const email = uniqueEmail('invited');

      const without = expectProblem(await trySignup(api, { email, password: PASSWORD }), 403);
      expect(without.detail).toBe('sign-up on this instance needs an invitation');
      const bogus = await trySignup(api, { email, password: PASSWORD, invitation: 'x'.repeat(43) });
      expectProblem(bogus, 404);
      expect(await api.database.db.select().from(users)).toHaveLength(1);

      const invitation = await api.app.inject({
        method: 'POST',
        url: '/api/v1/workspace/invitations',
        headers: { ...owner.auth, ...team.header },
        payload: { email, role: 'member' },
      });
      const joined = await trySignup(api, { email, password: PASSWORD, invitation: invitation.json().token });
      expect(joined.statusCode).toBe(201);
      expect(joined.json().workspace).toMatchObject({ id: team.id, role: 'member' });
    });
  });

  test('two concurrent first sign-ups make exactly one admin (and, closed, exactly one account)', async () => {
    await withInstance('open', async (api) => {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => trySignup(api, { email: uniqueEmail('race'), password: PASSWORD })),
      );
      expect(answers.map((res) => res.statusCode)).toEqual([201, 201, 201, 201]);
      const rows = await api.database.db.select().from(users).orderBy(asc(users.createdAt));
      expect(rows.filter((row) => row.isAdmin)).toHaveLength(1);
    });
    await withInstance('closed', async (api) => {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => trySignup(api, { email: uniqueEmail('race'), password: PASSWORD })),
      );
      expect(answers.map((res) => res.statusCode).sort()).toEqual([201, 403, 403, 403]);
      const rows = await api.database.db.select().from(users);
      expect(rows.map((row) => row.isAdmin)).toEqual([true]);
    });
  });
});
