import { apiKeys, campaigns, links, workspaceMembers, workspaces } from '@boltlink/db/schema';
import { createSubscriber, waitForReady } from '@boltlink/redis-keys/clients';
import { decodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import { testRedisUrl } from '@boltlink/testing/redis';
import { eq } from 'drizzle-orm';
import { describe, expect } from 'vitest';
import {
  addMember,
  createApiKey,
  createLink,
  createWorkspace,
  expectProblem,
  signup,
  test,
} from './support/api.ts';

describe('personal workspace', () => {
  test('is created at sign-up, owned by the new user, and holds what the user creates', async ({ api }) => {
    const user = await signup(api);
    const db = api.database.db;
    const [workspace] = await db.select().from(workspaces).where(eq(workspaces.id, user.user.id));
    expect(workspace).toMatchObject({ personal: true, name: 'Personal' });
    const members = await db
      .select({ userId: workspaceMembers.userId, role: workspaceMembers.role })
      .from(workspaceMembers)
      .where(eq(workspaceMembers.workspaceId, user.user.id));
    expect(members).toEqual([{ userId: user.user.id, role: 'owner' }]);

    const link = await createLink(api, user.auth, { url: 'https://example.com/a' });
    const campaign = await api.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: user.auth,
      payload: { name: 'Spring', utm: { source: 'news', medium: 'email', campaign: 'spring' } },
    });
    const key = await createApiKey(api, user.token);
    const owner = { userId: user.user.id, workspaceId: user.user.id };
    const [linkRow] = await db
      .select({ userId: links.userId, workspaceId: links.workspaceId })
      .from(links)
      .where(eq(links.id, link.id));
    const [campaignRow] = await db
      .select({ userId: campaigns.userId, workspaceId: campaigns.workspaceId })
      .from(campaigns)
      .where(eq(campaigns.id, campaign.json().id));
    const [keyRow] = await db
      .select({ userId: apiKeys.userId, workspaceId: apiKeys.workspaceId })
      .from(apiKeys)
      .where(eq(apiKeys.id, key.id));
    expect([linkRow, campaignRow, keyRow]).toEqual([owner, owner, owner]);
  });
});

describe('workspaces', () => {
  test('are created, listed with the role in each, renamed and deleted with what they hold', async ({
    api,
  }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth, 'Marketing');
    const list = await api.app.inject({ url: '/api/v1/workspaces', headers: owner.auth });
    expect(
      list
        .json()
        .items.map((w: { name: string; role: string; personal: boolean }) => [w.name, w.role, w.personal]),
    ).toEqual([
      ['Personal', 'owner', true],
      ['Marketing', 'owner', false],
    ]);

    const renamed = await api.app.inject({
      method: 'PATCH',
      url: '/api/v1/workspace',
      headers: { ...owner.auth, ...team.header },
      payload: { name: 'Growth' },
    });
    expect(renamed.json()).toMatchObject({ id: team.id, name: 'Growth', role: 'owner', personal: false });

    const link = await createLink(api, { ...owner.auth, ...team.header }, { url: 'https://example.com/t' });
    expect(await api.redis.exists(api.keys.linkCache(link.domain, link.code))).toBe(1);
    const gone = await api.app.inject({
      method: 'DELETE',
      url: '/api/v1/workspace',
      headers: { ...owner.auth, ...team.header },
    });
    expect(gone.statusCode).toBe(204);
    const [row] = await api.database.db.select().from(links).where(eq(links.id, link.id));
    expect(row).toBeUndefined();
    // The edges stop serving it: its cached copy is gone.
    expect(await api.redis.exists(api.keys.linkCache(link.domain, link.code))).toBe(0);
    const after = await api.app.inject({ url: '/api/v1/links', headers: { ...owner.auth, ...team.header } });
    expectProblem(after, 404);
  });

  test('tell the edges about a link created while the workspace is being deleted', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth, 'Closing');
    const told: string[] = [];
    const subscriber = createSubscriber(testRedisUrl());
    const inserting = await api.database.pool.connect();
    try {
      await waitForReady(subscriber);
      subscriber.on('message', (_channel, raw: string) => {
        const message = decodeLinkInvalidation(raw);
        if (message) told.push(message.code);
      });
      await subscriber.subscribe(api.keys.invalidationChannel());
      // A link being created in the workspace (not yet committed) when its deletion starts.
      await inserting.query('BEGIN');
      await inserting.query(
        `INSERT INTO links (workspace_id, user_id, domain, code, url)
         VALUES ($1, $2, 'sho.rt', 'latecomer', 'https://example.com/late')`,
        [team.id, owner.user.id],
      );
      const removal = api.app.inject({
        method: 'DELETE',
        url: '/api/v1/workspace',
        headers: { ...owner.auth, ...team.header },
      });
      await waitUntil(async () => {
        const { rows } = await api.database.pool.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0]!.waiting > 0;
      });
      await inserting.query('COMMIT');
      expect((await removal).statusCode).toBe(204);
      await waitUntil(async () => told.includes('latecomer'));
      const [row] = await api.database.db.select().from(links).where(eq(links.code, 'latecomer'));
      expect(row).toBeUndefined();
    } finally {
      inserting.release();
      await subscriber.quit();
    }
  });

  test('keep the personal workspace: it cannot be deleted', async ({ api }) => {
    const user = await signup(api);
    const res = await api.app.inject({ method: 'DELETE', url: '/api/v1/workspace', headers: user.auth });
    expect(expectProblem(res, 409).detail).toMatch(/personal workspace cannot be deleted/);
  });
});

describe('workspace selection', () => {
  test('acts in the workspace the header names, and in the personal one without it', async ({ api }) => {
    const user = await signup(api);
    const team = await createWorkspace(api, user.auth);
    const mine = await createLink(api, user.auth, { url: 'https://example.com/mine' });
    const theirs = await createLink(
      api,
      { ...user.auth, ...team.header },
      { url: 'https://example.com/team' },
    );
    const personalList = await api.app.inject({ url: '/api/v1/links', headers: user.auth });
    expect(personalList.json().items.map((l: { id: string }) => l.id)).toEqual([mine.id]);
    const teamList = await api.app.inject({
      url: '/api/v1/links',
      headers: { ...user.auth, ...team.header },
    });
    expect(teamList.json().items.map((l: { id: string }) => l.id)).toEqual([theirs.id]);
    // A link of another workspace is not found from this one.
    const cross = await api.app.inject({ url: `/api/v1/links/${theirs.id}`, headers: user.auth });
    expectProblem(cross, 404);
  });

  test('answers 404 for a workspace the user is not in, and 400 for a malformed header', async ({ api }) => {
    const stranger = await signup(api);
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const res = await api.app.inject({ url: '/api/v1/links', headers: { ...stranger.auth, ...team.header } });
    expect(expectProblem(res, 404).detail).toBe('workspace not found');
    const bad = await api.app.inject({
      url: '/api/v1/links',
      headers: { ...stranger.auth, 'boltlink-workspace': 'not-a-uuid' },
    });
    expectProblem(bad, 400);
  });

  test('binds an API key to the workspace it was created in', async ({ api }) => {
    const user = await signup(api);
    const team = await createWorkspace(api, user.auth);
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { ...user.auth, ...team.header },
      payload: { name: 'team ci' },
    });
    const key = { authorization: `Bearer ${created.json().key}` };
    const link = await createLink(api, key, { url: 'https://example.com/by-key' });
    const [row] = await api.database.db
      .select({ workspaceId: links.workspaceId })
      .from(links)
      .where(eq(links.id, link.id));
    expect(row?.workspaceId).toBe(team.id);
    const elsewhere = await api.app.inject({
      url: '/api/v1/links',
      headers: { ...key, 'boltlink-workspace': user.user.id },
    });
    expect(expectProblem(elsewhere, 403).detail).toBe('this API key belongs to another workspace');
    // The personal workspace's key list does not show the team's key.
    const personalKeys = await api.app.inject({ url: '/api/v1/api-keys', headers: user.auth });
    expect(personalKeys.json().items).toEqual([]);
  });
});

describe('members', () => {
  test('are listed with their roles, and an owner changes a role', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const viewer = await signup(api);
    await addMember(api, team.id, viewer.user.id, 'viewer');
    const headers = { ...owner.auth, ...team.header };
    const changed = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/workspace/members/${viewer.user.id}`,
      headers,
      payload: { role: 'member' },
    });
    expect(changed.json()).toMatchObject({ userId: viewer.user.id, email: viewer.email, role: 'member' });
    const list = await api.app.inject({ url: '/api/v1/workspace/members', headers });
    expect(list.json().items.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      [owner.email, 'owner'],
      [viewer.email, 'member'],
    ]);
    // Now a member, they write links there.
    await createLink(api, { ...viewer.auth, ...team.header }, { url: 'https://example.com/now-allowed' });
  });

  test('lose access at once when removed, and keep their other workspaces', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const member = await signup(api);
    await addMember(api, team.id, member.user.id, 'member');
    const inTeam = { ...member.auth, ...team.header };
    expect((await api.app.inject({ url: '/api/v1/links', headers: inTeam })).statusCode).toBe(200);

    const removed = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/workspace/members/${member.user.id}`,
      headers: { ...owner.auth, ...team.header },
    });
    expect(removed.statusCode).toBe(204);
    // The very next request with the same session is refused there, and still works in their own workspace.
    expectProblem(await api.app.inject({ url: '/api/v1/links', headers: inTeam }), 404);
    expect((await api.app.inject({ url: '/api/v1/links', headers: member.auth })).statusCode).toBe(200);
  });

  test('take the API keys they created in the workspace with them, and only those', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const admin = await signup(api);
    await addMember(api, team.id, admin.user.id, 'admin');
    const newKey = async (auth: Record<string, string>, header: Record<string, string>) => {
      const res = await api.app.inject({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { ...auth, ...header },
        payload: { name: 'deploys' },
      });
      expect(res.statusCode).toBe(201);
      return { authorization: `Bearer ${res.json().key}` };
    };
    const adminsTeamKey = await newKey(admin.auth, team.header);
    const ownersTeamKey = await newKey(owner.auth, team.header);
    const adminsOwnKey = await newKey(admin.auth, {});
    expect((await api.app.inject({ url: '/api/v1/links', headers: adminsTeamKey })).statusCode).toBe(200);

    const removed = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/workspace/members/${admin.user.id}`,
      headers: { ...owner.auth, ...team.header },
    });
    expect(removed.statusCode).toBe(204);
    expectProblem(await api.app.inject({ url: '/api/v1/links', headers: adminsTeamKey }), 401);
    expect((await api.app.inject({ url: '/api/v1/links', headers: ownersTeamKey })).statusCode).toBe(200);
    expect((await api.app.inject({ url: '/api/v1/links', headers: adminsOwnKey })).statusCode).toBe(200);
    const keys = await api.app.inject({
      url: '/api/v1/api-keys',
      headers: { ...owner.auth, ...team.header },
    });
    expect(keys.json().items).toHaveLength(1);
    const log = await api.app.inject({
      url: '/api/v1/workspace/audit-log',
      headers: { ...owner.auth, ...team.header },
    });
    expect(log.json().items[0]).toMatchObject({
      action: 'member.removed',
      details: { role: 'admin', keysRevoked: 1 },
    });
  });

  test('keep an owner: the last one cannot leave or be demoted, and an admin cannot touch owners', async ({
    api,
  }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const admin = await signup(api);
    await addMember(api, team.id, admin.user.id, 'admin');
    const last = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/workspace/members/${owner.user.id}`,
      headers: { ...owner.auth, ...team.header },
      payload: { role: 'admin' },
    });
    expect(expectProblem(last, 409).detail).toMatch(/at least one owner/);
    const byAdmin = await api.app.inject({
      method: 'DELETE',
      url: `/api/v1/workspace/members/${owner.user.id}`,
      headers: { ...admin.auth, ...team.header },
    });
    expectProblem(byAdmin, 403);
    const promote = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/workspace/members/${admin.user.id}`,
      headers: { ...admin.auth, ...team.header },
      payload: { role: 'owner' },
    });
    expectProblem(promote, 403);
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
