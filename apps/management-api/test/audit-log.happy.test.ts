import { describe, expect } from 'vitest';
import { addMember, createLink, createWorkspace, signup, test } from './support/api.ts';

interface Event {
  id: string;
  action: string;
  target: { type: string; id: string };
  actor: { userId: string | null; email: string | null; via: string; apiKeyId: string | null };
  details: Record<string, unknown>;
}

describe('audit log', () => {
  test('records who changed links, campaigns, keys and members, from which session or key, newest first', async ({
    api,
  }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const headers = { ...owner.auth, ...team.header };
    const member = await signup(api);
    await addMember(api, team.id, member.user.id, 'member');

    const link = await createLink(api, headers, { url: 'https://example.com/a' });
    const keyRes = await api.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers,
      payload: { name: 'ci', scopes: ['links:write'] },
    });
    const key = keyRes.json() as { id: string; key: string };
    await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/links/${link.id}`,
      headers: { authorization: `Bearer ${key.key}` },
      payload: { title: 'Renamed', password: 'a secret password' },
    });
    const campaign = await api.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: { ...member.auth, ...team.header },
      payload: { name: 'Spring', utm: { source: 's', medium: 'm', campaign: 'c' } },
    });
    await api.app.inject({ method: 'DELETE', url: `/api/v1/links/${link.id}`, headers });
    await api.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${key.id}`, headers });
    await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/workspace/members/${member.user.id}`,
      headers,
      payload: { role: 'viewer' },
    });
    await api.app.inject({ method: 'DELETE', url: `/api/v1/workspace/members/${member.user.id}`, headers });

    const res = await api.app.inject({ url: '/api/v1/workspace/audit-log', headers });
    expect(res.statusCode).toBe(200);
    const events = res.json().items as Event[];
    const session = { userId: owner.user.id, email: owner.email, via: 'session', apiKeyId: null };
    expect(events.map((e) => [e.action, e.target.type, e.target.id, e.actor])).toEqual([
      ['member.removed', 'member', member.user.id, session],
      ['member.role_changed', 'member', member.user.id, session],
      ['api_key.revoked', 'api_key', key.id, session],
      ['link.deleted', 'link', link.id, session],
      [
        'campaign.created',
        'campaign',
        campaign.json().id,
        { userId: member.user.id, email: member.email, via: 'session', apiKeyId: null },
      ],
      [
        'link.updated',
        'link',
        link.id,
        { userId: owner.user.id, email: owner.email, via: 'apiKey', apiKeyId: key.id },
      ],
      ['api_key.created', 'api_key', key.id, session],
      ['link.created', 'link', link.id, session],
      ['workspace.created', 'workspace', team.id, session],
    ]);
    expect(events[1]?.details).toEqual({ from: 'member', to: 'viewer' });
    // The names of changed fields, never their values (a link password stays out of the log).
    expect(events[5]?.details).toEqual({ fields: ['title', 'password'] });
    expect(JSON.stringify(events)).not.toContain('a secret password');

    // Another workspace's log is its own.
    const personal = await api.app.inject({ url: '/api/v1/workspace/audit-log', headers: owner.auth });
    expect(personal.json().items).toEqual([]);
  });

  test('pages newest first with a cursor, each event exactly once', async ({ api }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const headers = { ...owner.auth, ...team.header };
    for (let i = 0; i < 4; i++) await createLink(api, headers, { url: `https://example.com/${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/workspace/audit-log?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await api.app.inject({ url, headers })).json() as {
        items: Event[];
        nextCursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(5);
    expect([...seen].sort((a, b) => Number(b) - Number(a))).toEqual(seen);
    expect(new Set(seen).size).toBe(5);
  });
});
