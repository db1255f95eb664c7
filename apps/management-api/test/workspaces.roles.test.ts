import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { addMember, createLink, createWorkspace, expectProblem, signup, test } from './support/api.ts';

// Every cell of the permission matrix (docs/workspaces.md) through a route that needs it, for each role,
// in a workspace that is not the caller's own.

const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
type Role = (typeof ROLES)[number];

interface Ctx {
  headers: Record<string, string>;
  linkId: string;
  spareUserId: string;
}

type Probe = (ctx: Ctx) => { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: object };

const CELLS: [permission: string, probe: Probe, allowed: Role[]][] = [
  ['links:read', () => ({ method: 'GET', url: '/api/v1/links' }), ['owner', 'admin', 'member', 'viewer']],
  ['links:read (QR)', (c) => ({ method: 'GET', url: `/api/v1/links/${c.linkId}/qr` }), [...ROLES]],
  ['stats:read', () => ({ method: 'GET', url: '/api/v1/stats' }), [...ROLES]],
  ['workspace:read', () => ({ method: 'GET', url: '/api/v1/workspace' }), [...ROLES]],
  ['members:read', () => ({ method: 'GET', url: '/api/v1/workspace/members' }), [...ROLES]],
  [
    'links:write',
    () => ({ method: 'POST', url: '/api/v1/links', payload: { url: 'https://example.com/new' } }),
    ['owner', 'admin', 'member'],
  ],
  [
    'links:write (campaigns)',
    () => ({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload: { name: 'C', utm: { source: 's', medium: 'm', campaign: 'c' } },
    }),
    ['owner', 'admin', 'member'],
  ],
  ['keys:manage', () => ({ method: 'GET', url: '/api/v1/api-keys' }), ['owner', 'admin']],
  [
    'members:manage',
    (c) => ({
      method: 'PATCH',
      url: `/api/v1/workspace/members/${c.spareUserId}`,
      payload: { role: 'member' },
    }),
    ['owner', 'admin'],
  ],
  [
    'workspace:update',
    () => ({ method: 'PATCH', url: '/api/v1/workspace', payload: { name: 'Renamed' } }),
    ['owner', 'admin'],
  ],
  [
    'members:manage (invite)',
    () => ({
      method: 'POST',
      url: '/api/v1/workspace/invitations',
      payload: { email: 'invitee@example.com', role: 'viewer' },
    }),
    ['owner', 'admin'],
  ],
  ['audit:read', () => ({ method: 'GET', url: '/api/v1/workspace/audit-log' }), ['owner', 'admin']],
  ['domains:read', () => ({ method: 'GET', url: '/api/v1/domains' }), [...ROLES]],
  [
    'domains:manage',
    () => ({ method: 'POST', url: '/api/v1/domains', payload: { hostname: `go-${randomUUID()}.example` } }),
    ['owner', 'admin'],
  ],
  ['workspace:delete', () => ({ method: 'DELETE', url: '/api/v1/workspace' }), ['owner']],
];

describe('permission matrix', () => {
  for (const [permission, probe, allowed] of CELLS) {
    for (const role of ROLES) {
      const may = allowed.includes(role);
      test(`${role} ${may ? 'may' : 'may not'} ${permission}`, async ({ api }) => {
        // A fresh workspace per cell: the probes change it (rename, delete, role changes).
        const founder = await signup(api);
        const workspace = await createWorkspace(api, founder.auth);
        const link = await createLink(
          api,
          { ...founder.auth, ...workspace.header },
          { url: 'https://example.com/a' },
        );
        const spare = await signup(api);
        await addMember(api, workspace.id, spare.user.id, 'viewer');
        let caller = founder;
        if (role !== 'owner') {
          caller = await signup(api);
          await addMember(api, workspace.id, caller.user.id, role);
        }
        const request = probe({ headers: workspace.header, linkId: link.id, spareUserId: spare.user.id });
        const res = await api.app.inject({ ...request, headers: { ...caller.auth, ...workspace.header } });
        if (may) {
          expect(res.statusCode, res.body).toBeLessThan(300);
        } else {
          const problem = expectProblem(res, 403);
          expect(problem.detail).toMatch(`(${role}) does not allow`);
        }
      });
    }
  }
});

describe('what the workspace tells its caller they may do', () => {
  for (const role of ROLES) {
    test(`a ${role} is told exactly the permissions the matrix gives the role`, async ({ api }) => {
      const founder = await signup(api);
      const workspace = await createWorkspace(api, founder.auth);
      let caller = founder;
      if (role !== 'owner') {
        caller = await signup(api);
        await addMember(api, workspace.id, caller.user.id, role);
      }
      const res = await api.app.inject({
        url: '/api/v1/workspace',
        headers: { ...caller.auth, ...workspace.header },
      });
      const granted = new Set(
        CELLS.filter(([, , allowed]) => allowed.includes(role)).map(
          ([permission]) => permission.split(' ')[0],
        ),
      );
      expect(new Set(res.json().permissions)).toEqual(granted);
    });
  }
});
