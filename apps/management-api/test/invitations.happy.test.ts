import { createHash } from 'node:crypto';
import { users, workspaceInvitations } from '@boltlink/db/schema';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import {
  addMember,
  createWorkspace,
  expectProblem,
  PASSWORD,
  signup,
  type TestApi,
  test,
  uniqueEmail,
} from './support/api.ts';

async function invite(api: TestApi, auth: Record<string, string>, email: string, role = 'member') {
  const res = await api.app.inject({
    method: 'POST',
    url: '/api/v1/workspace/invitations',
    headers: auth,
    payload: { email, role },
  });
  if (res.statusCode !== 201) throw new Error(`invite failed: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; email: string; role: string; token: string; expiresAt: string };
}

const accept = (api: TestApi, auth: Record<string, string>, token: string) =>
  api.app.inject({ method: 'POST', url: '/api/v1/invitations/accept', headers: auth, payload: { token } });

describe('invitations', () => {
  test('let an existing account join with the invited role, once; the token is stored hashed', async ({
    api,
  }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const manager = { ...owner.auth, ...team.header };
    const invitee = await signup(api);
    const created = await invite(api, manager, invitee.email.toUpperCase(), 'member');
    expect(created).toMatchObject({ email: invitee.email, role: 'member' });
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(6 * 24 * 3_600_000);

    const [stored] = await api.database.db
      .select({ tokenHash: workspaceInvitations.tokenHash })
      .from(workspaceInvitations)
      .where(eq(workspaceInvitations.id, created.id));
    expect(stored?.tokenHash).toBe(createHash('sha256').update(created.token).digest('hex'));
    const pending = await api.app.inject({ url: '/api/v1/workspace/invitations', headers: manager });
    expect(pending.json().items).toEqual([
      {
        id: created.id,
        email: invitee.email,
        role: 'member',
        expiresAt: created.expiresAt,
        createdAt: expect.any(String),
      },
    ]);

    const joined = await accept(api, invitee.auth, created.token);
    expect(joined.statusCode).toBe(200);
    expect(joined.json()).toMatchObject({ id: team.id, role: 'member', personal: false });
    // Now a member: writes links in the workspace, and it is in their list.
    const link = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: { ...invitee.auth, ...team.header },
      payload: { url: 'https://example.com/joined' },
    });
    expect(link.statusCode).toBe(201);
    const mine = await api.app.inject({ url: '/api/v1/workspaces', headers: invitee.auth });
    expect(mine.json().items.map((w: { id: string }) => w.id)).toContain(team.id);

    // Single use: the same token again, by anyone, is refused; nothing is pending any more.
    expectProblem(await accept(api, invitee.auth, created.token), 404);
    const again = await api.app.inject({ url: '/api/v1/workspace/invitations', headers: manager });
    expect(again.json().items).toEqual([]);
  });

  test('are used once even when accepted twice at the same moment', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const invitee = await signup(api);
    const created = await invite(api, { ...owner.auth, ...team.header }, invitee.email);
    const results = await Promise.all([
      accept(api, invitee.auth, created.token),
      accept(api, invitee.auth, created.token),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 404]);
  });

  test('let a new account sign up with the token and join in the same step', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const email = uniqueEmail('newcomer');
    const created = await invite(api, { ...owner.auth, ...team.header }, email, 'viewer');
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: PASSWORD, invitation: created.token },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().workspace).toMatchObject({ id: team.id, role: 'viewer' });
    const auth = { authorization: `Bearer ${res.json().token}`, ...team.header };
    expect((await api.app.inject({ url: '/api/v1/links', headers: auth })).statusCode).toBe(200);
  });

  test('refuse a sign-up with a bad token and create no account', async ({ api }) => {
    const email = uniqueEmail('nobody');
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: PASSWORD, invitation: 'x'.repeat(43) },
    });
    expectProblem(res, 404);
    const rows = await api.database.db.select().from(users).where(eq(users.email, email));
    expect(rows).toEqual([]);
  });

  test('work only for the invited email address', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const intended = await signup(api);
    const other = await signup(api);
    const created = await invite(api, { ...owner.auth, ...team.header }, intended.email);
    const wrong = await accept(api, other.auth, created.token);
    expect(expectProblem(wrong, 403).detail).toBe('this invitation was sent to another email address');
    expect((await accept(api, intended.auth, created.token)).statusCode).toBe(200);
  });

  test('stop working once revoked or expired', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const manager = { ...owner.auth, ...team.header };
    const invitee = await signup(api);
    const revoked = await invite(api, manager, invitee.email);
    const del = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/workspace/invitations/${revoked.id}`,
      headers: manager,
    });
    expect(del.statusCode).toBe(204);
    expectProblem(await accept(api, invitee.auth, revoked.token), 404);

    const expired = await invite(api, manager, invitee.email);
    await api.database.db
      .update(workspaceInvitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(workspaceInvitations.id, expired.id));
    expect(expectProblem(await accept(api, invitee.auth, expired.token), 404).detail).toMatch(/expired/);
  });

  test('are not for owners, nor for people already in the workspace', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const manager = { ...owner.auth, ...team.header };
    const asOwner = await api.app.inject({
      method: 'POST',
      url: '/api/v1/workspace/invitations',
      headers: manager,
      payload: { email: uniqueEmail(), role: 'owner' },
    });
    expectProblem(asOwner, 400);
    const member = await signup(api);
    await addMember(api, team.id, member.user.id, 'viewer');
    const twice = await api.app.inject({
      method: 'POST',
      url: '/api/v1/workspace/invitations',
      headers: manager,
      payload: { email: member.email, role: 'member' },
    });
    expectProblem(twice, 409);
  });
});
