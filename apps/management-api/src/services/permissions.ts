import type { ApiKeyScope, WorkspaceRole } from '@boltlink/db/schema';

/**
 * Every permission a route can require: the only place that decides who may do what (docs/workspaces.md
 * holds the same matrix for people). Workspace permissions are checked against the caller's role in the
 * workspace the request acts in, or an API key's scopes; account permissions need no workspace.
 */
export const workspacePermissions = [
  'links:read',
  'links:write',
  'stats:read',
  'workspace:read',
  'members:read',
  'members:manage',
  'keys:manage',
  'domains:read',
  'domains:manage',
  'audit:read',
  'workspace:update',
  'workspace:delete',
] as const;
export type WorkspacePermission = (typeof workspacePermissions)[number];

/**
 * Acting on one's own account: listing and creating workspaces, accepting invitations; changing the password
 * and signing out everywhere. Sessions only.
 */
export const accountPermissions = ['workspaces:join', 'account:manage'] as const;
export type AccountPermission = (typeof accountPermissions)[number];

/**
 * Running the instance: users, blocks (docs/administration.md). Instance admins only, and through a session
 * only: no API key carries it, so a leaked key can never disable users or block links.
 */
export const instancePermissions = ['instance:manage'] as const;
export type InstancePermission = (typeof instancePermissions)[number];

export type Permission = WorkspacePermission | AccountPermission | InstancePermission;

const VIEWER: readonly WorkspacePermission[] = [
  'links:read',
  'stats:read',
  'workspace:read',
  'members:read',
  'domains:read',
];
const MEMBER: readonly WorkspacePermission[] = [...VIEWER, 'links:write'];
// An admin manages everything but the workspace's deletion and its ownership (see canChangeRole).
const ADMIN: readonly WorkspacePermission[] = [
  ...MEMBER,
  'members:manage',
  'keys:manage',
  'domains:manage',
  'audit:read',
  'workspace:update',
];
const OWNER: readonly WorkspacePermission[] = [...ADMIN, 'workspace:delete'];

export const ROLE_PERMISSIONS: Readonly<Record<WorkspaceRole, ReadonlySet<WorkspacePermission>>> = {
  owner: new Set(OWNER),
  admin: new Set(ADMIN),
  member: new Set(MEMBER),
  viewer: new Set(VIEWER),
};

/**
 * An API key can do what its scopes name and nothing else: it never manages keys, members, domains or the
 * workspace, so a leaked key cannot mint more keys or lock the owners out.
 */
export const SCOPE_PERMISSIONS: Readonly<Record<ApiKeyScope, WorkspacePermission>> = {
  'links:read': 'links:read',
  'links:write': 'links:write',
  'stats:read': 'stats:read',
};

export const isAccountPermission = (permission: Permission): permission is AccountPermission =>
  (accountPermissions as readonly string[]).includes(permission);

export const isInstancePermission = (permission: Permission): permission is InstancePermission =>
  (instancePermissions as readonly string[]).includes(permission);

/** Why a caller may not run the instance, or null when it may. */
export function instanceDenial(
  caller: { kind: 'session'; isAdmin: boolean } | { kind: 'apiKey' },
): string | null {
  if (caller.kind !== 'session') return 'instance administration needs a session, not an API key';
  return caller.isAdmin ? null : 'only an instance admin may do this';
}

export type Caller =
  | { kind: 'session'; role: WorkspaceRole }
  | { kind: 'apiKey'; scopes: readonly ApiKeyScope[] };

/** Why a caller may not do something, or null when it may. */
export function denial(caller: Caller, permission: WorkspacePermission): string | null {
  if (caller.kind === 'session') {
    return ROLE_PERMISSIONS[caller.role].has(permission)
      ? null
      : `your role in this workspace (${caller.role}) does not allow ${permission}`;
  }
  if (caller.scopes.some((scope) => SCOPE_PERMISSIONS[scope] === permission)) return null;
  const scope = Object.entries(SCOPE_PERMISSIONS).find(([, granted]) => granted === permission)?.[0];
  return scope === undefined
    ? `${permission} needs a session, not an API key`
    : `this API key lacks the ${scope} scope`;
}

/**
 * The ownership rule on top of members:manage: only an owner grants, changes or takes away the owner role.
 * `from` is the member's current role (null for a newcomer), `to` the new one (null when removed).
 */
export function canChangeRole(
  actor: WorkspaceRole,
  from: WorkspaceRole | null,
  to: WorkspaceRole | null,
): boolean {
  if (!ROLE_PERMISSIONS[actor].has('members:manage')) return false;
  return actor === 'owner' || (from !== 'owner' && to !== 'owner');
}
