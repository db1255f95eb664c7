import { domains, orphanVisits } from '@boltlink/db/schema';
import { describe, expect } from 'vitest';
import {
  addMember,
  test as base,
  createApiKey,
  createWorkspace,
  expectProblem,
  signup,
  type TestApi,
  uniqueEmail,
} from './support/api.ts';

// The file's database starts empty, so the first account signed up here is the instance admin.
const test = base.extend('admin', { scope: 'file' }, async ({ api }) => signup(api, uniqueEmail('admin')));

interface Visit {
  domain: string;
  path: string | null;
  kind: string;
  minute: string;
  referrerHost: string | null;
  country: string | null;
  bot: boolean;
  visits: number;
}

const minute = (m: number) => new Date(Date.UTC(2026, 11, 7, 14, m));

/** What the consumer stores from the edges' batches, written straight to the table. */
async function seed(api: TestApi, workspaceId: string, hostname: string) {
  await api.database.db.insert(domains).values({
    workspaceId,
    hostname,
    status: 'pending',
    verificationToken: `token-${hostname}`,
  });
  await api.database.db.insert(orphanVisits).values([
    {
      domain: hostname,
      path: '/typo',
      kind: 'not-found',
      minute: minute(1),
      isBot: false,
      visits: 3,
      referrerHost: 'news.example.com',
      country: 'DE',
    },
    { domain: hostname, path: '/', kind: 'root', minute: minute(2), isBot: true, visits: 1 },
    { domain: hostname, path: '/expired', kind: 'gone', minute: minute(3), isBot: false, visits: 2 },
    { domain: hostname, path: null, kind: 'not-found', minute: minute(3), isBot: false, visits: 900 },
  ]);
}

async function list(api: TestApi, headers: Record<string, string>, query = '') {
  const res = await api.app.inject({ url: `/api/v1/orphan-visits${query}`, headers });
  return res;
}

describe('orphan visits', () => {
  test('an instance admin also sees the instance’s short domains', async ({ api, admin }) => {
    await api.database.db.insert(orphanVisits).values({
      domain: 'sho.rt',
      path: '/scan1',
      kind: 'not-found',
      minute: minute(9),
      isBot: true,
      visits: 7,
    });
    const items = (await list(api, admin.auth, '?domain=sho.rt')).json().items as Visit[];
    expect(items.some((v) => v.path === '/scan1' && v.visits === 7)).toBe(true);
  });

  test('lists a workspace domain’s orphan visits newest first, filtered by domain, kind and time, cursor-paged', async ({
    api,
  }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    const headers = { ...owner.auth, ...team.header };
    await seed(api, team.id, 'go.acme.example');
    await api.database.db.insert(orphanVisits).values({
      domain: 'sho.rt',
      path: '/instance-only',
      kind: 'not-found',
      minute: minute(4),
      isBot: false,
      visits: 1,
    });

    const all = await list(api, headers);
    expect(all.statusCode).toBe(200);
    const items = all.json().items as Visit[];
    // The instance's own domain is not the workspace's: its visits are not listed.
    expect(items.map((v) => [v.kind, v.path, v.visits])).toEqual([
      ['not-found', null, 900],
      ['gone', '/expired', 2],
      ['root', '/', 1],
      ['not-found', '/typo', 3],
    ]);
    expect(items[3]).toEqual({
      domain: 'go.acme.example',
      path: '/typo',
      kind: 'not-found',
      minute: '2026-12-07T14:01:00.000Z',
      referrerHost: 'news.example.com',
      country: 'DE',
      bot: false,
      visits: 3,
    });

    const gone = (await list(api, headers, '?kind=gone')).json().items as Visit[];
    expect(gone.map((v) => v.path)).toEqual(['/expired']);
    const window = (await list(api, headers, '?from=2026-12-07T14:02:00Z&to=2026-12-07T14:03:00Z')).json()
      .items as Visit[];
    expect(window.map((v) => v.path)).toEqual(['/']);
    const otherDomain = (await list(api, headers, '?domain=sho.rt')).json().items as Visit[];
    expect(otherDomain).toEqual([]);

    const first = (await list(api, headers, '?limit=3')).json() as { items: Visit[]; nextCursor: string };
    expect(first.items).toHaveLength(3);
    const second = (await list(api, headers, `?limit=3&cursor=${first.nextCursor}`)).json() as {
      items: Visit[];
      nextCursor: string | null;
    };
    expect(second.items.map((v) => v.path)).toEqual(['/typo']);
    expect(second.nextCursor).toBeNull();
  });

  test('a viewer and a stats key may read; another workspace sees none of it; bad filters are refused', async ({
    api,
  }) => {
    const owner = await signup(api);
    const team = await createWorkspace(api, owner.auth);
    await seed(api, team.id, 'go.viewer.example');
    const viewer = await signup(api);
    await addMember(api, team.id, viewer.user.id, 'viewer');
    const seen = (await list(api, { ...viewer.auth, ...team.header })).json().items as Visit[];
    expect(seen).toHaveLength(4);

    const outsider = await signup(api);
    expectProblem(await list(api, { ...outsider.auth, ...team.header }), 404);
    const own = (await list(api, outsider.auth)).json().items as Visit[];
    expect(own).toEqual([]);
    const named = (await list(api, outsider.auth, '?domain=go.viewer.example')).json().items as Visit[];
    expect(named).toEqual([]);

    const key = await createApiKey(api, owner.token, ['links:read']);
    expectProblem(await list(api, key.auth), 403);

    expectProblem(await list(api, owner.auth, '?kind=everything'), 400);
    expectProblem(await list(api, owner.auth, '?from=yesterday'), 400);
    expectProblem(await list(api, owner.auth, '?cursor=abc'), 400);
  });
});
