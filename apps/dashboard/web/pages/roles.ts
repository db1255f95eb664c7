import type { components } from '@boltlink/api-client/client';

export type Role = components['schemas']['Member']['role'];
export type InvitedRole = components['schemas']['Invitation']['role'];

/** The roles as people read them, strongest first (docs/workspaces.md). */
export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
  viewer: 'Viewer',
};

/** What each role may do, in a line, for the invite form and the role picker. */
export const ROLE_HINTS: Record<Role, string> = {
  owner: 'everything, including deleting the workspace',
  admin: 'everything but deleting the workspace',
  member: 'creates and changes links and campaigns',
  viewer: 'reads links and statistics',
};

/** Nobody is invited to own a workspace: ownership is given to a member afterwards, by an owner. */
export const INVITED_ROLES: readonly InvitedRole[] = ['admin', 'member', 'viewer'];

/**
 * The roles a manager may give a member, mirroring the API's rule so the page offers nothing it would refuse:
 * only an owner grants the owner role or changes an owner's role.
 */
export function assignableRoles(callerRole: Role, memberRole: Role): Role[] {
  if (callerRole === 'owner') return ['owner', 'admin', 'member', 'viewer'];
  if (callerRole === 'admin' && memberRole !== 'owner') return ['admin', 'member', 'viewer'];
  return [];
}
