import { describe, expect, it } from 'vitest';
import { canChangeRole, denial, type WorkspacePermission, workspacePermissions } from './permissions.ts';

// The matrix of docs/workspaces.md, written out cell by cell (not derived from the code under test).
const Y = true;
const N = false;
const MATRIX: Record<
  WorkspacePermission,
  [owner: boolean, admin: boolean, member: boolean, viewer: boolean]
> = {
  'links:read': [Y, Y, Y, Y],
  'stats:read': [Y, Y, Y, Y],
  'workspace:read': [Y, Y, Y, Y],
  'members:read': [Y, Y, Y, Y],
  'links:write': [Y, Y, Y, N],
  'keys:manage': [Y, Y, N, N],
  'members:manage': [Y, Y, N, N],
  'domains:read': [Y, Y, Y, Y],
  'domains:manage': [Y, Y, N, N],
  'audit:read': [Y, Y, N, N],
  'workspace:update': [Y, Y, N, N],
  'workspace:delete': [Y, N, N, N],
};
const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;

describe('role permissions', () => {
  it('covers every permission', () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...workspacePermissions].sort());
  });

  for (const permission of workspacePermissions) {
    for (const [i, role] of ROLES.entries()) {
      const allowed = MATRIX[permission][i];
      it(`${role} ${allowed ? 'may' : 'may not'} ${permission}`, () => {
        const refused = denial({ kind: 'session', role }, permission);
        if (allowed) expect(refused).toBeNull();
        else expect(refused).toBe(`your role in this workspace (${role}) does not allow ${permission}`);
      });
    }
  }
});

describe('API key permissions', () => {
  it('grant exactly what the scopes name', () => {
    const allowed = workspacePermissions.filter(
      (permission) => denial({ kind: 'apiKey', scopes: ['links:read', 'stats:read'] }, permission) === null,
    );
    expect(allowed).toEqual(['links:read', 'stats:read']);
    expect(denial({ kind: 'apiKey', scopes: ['links:read'] }, 'links:write')).toBe(
      'this API key lacks the links:write scope',
    );
  });

  it('never manage keys, members, domains, the audit log or the workspace, whatever the scopes', () => {
    const all = { kind: 'apiKey', scopes: ['links:read', 'links:write', 'stats:read'] } as const;
    for (const permission of [
      'keys:manage',
      'members:manage',
      'domains:manage',
      'audit:read',
      'workspace:update',
      'workspace:delete',
    ] as const) {
      expect(denial(all, permission)).toBe(`${permission} needs a session, not an API key`);
    }
  });
});

describe('the owner role', () => {
  it('is granted, changed and taken away by owners only', () => {
    expect(canChangeRole('owner', 'member', 'owner')).toBe(true);
    expect(canChangeRole('owner', 'owner', 'admin')).toBe(true);
    expect(canChangeRole('owner', 'owner', null)).toBe(true);
    expect(canChangeRole('admin', 'member', 'owner')).toBe(false);
    expect(canChangeRole('admin', 'owner', 'viewer')).toBe(false);
    expect(canChangeRole('admin', 'owner', null)).toBe(false);
    expect(canChangeRole('admin', 'member', 'admin')).toBe(true);
    expect(canChangeRole('admin', 'admin', null)).toBe(true);
  });

  it('is out of reach of members and viewers, who manage nobody', () => {
    expect(canChangeRole('member', 'viewer', 'member')).toBe(false);
    expect(canChangeRole('viewer', 'viewer', null)).toBe(false);
  });
});
