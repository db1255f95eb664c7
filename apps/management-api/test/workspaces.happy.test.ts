import { apiKeys, campaigns, links, workspaceMembers, workspaces } from '@boltlink/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createLink, signup, startTestApi, type TestApi } from './support/api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe('personal workspace', () => {
  it('is created at sign-up, owned by the new user, and holds what the user creates', async () => {
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
