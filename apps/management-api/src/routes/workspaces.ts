import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf, principalOf } from '../plugins/auth.ts';
import { AUTHED, NoContent, problems, refTo } from '../schemas/common.ts';
import { MemberSchema, Role, UserIdParams, WorkspaceName, WorkspaceSchema } from '../schemas/workspaces.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { WorkspaceService } from '../services/workspace-service.ts';
import type { App } from '../types.ts';

/**
 * `/workspaces`: the caller's workspaces (a session's own business). `/workspace`: the workspace the request
 * acts in, named by the BoltLink-Workspace header like on every other route (the personal one without it).
 */
export function workspaceRoutes(
  app: App,
  deps: { workspaces: WorkspaceService; audit: AuditLog; authenticator: Authenticator },
): void {
  const security = [{ bearerAuth: [] }];
  const { authenticator, workspaces, audit } = deps;
  const roleOf = (request: Parameters<typeof accessOf>[0]) => accessOf(request).role ?? 'viewer';

  app.get(
    '/workspaces',
    {
      preParsing: authenticator.require('workspaces:join'),
      schema: {
        tags: ['workspaces'],
        summary: 'List the workspaces the user belongs to, personal first, with the role in each',
        security,
        response: {
          200: Type.Object({ items: Type.Array(refTo(WorkspaceSchema)) }),
          ...problems(...AUTHED),
        },
      },
    },
    async (request) => ({ items: await workspaces.listFor(principalOf(request).userId) }),
  );

  app.post(
    '/workspaces',
    {
      preParsing: authenticator.require('workspaces:join'),
      schema: {
        tags: ['workspaces'],
        summary: 'Create a workspace; the user becomes its owner',
        security,
        body: Type.Object({ name: WorkspaceName }, { additionalProperties: false }),
        response: { 201: refTo(WorkspaceSchema), ...problems(...AUTHED) },
      },
    },
    async (request, reply) => {
      const { userId } = principalOf(request);
      const workspace = await workspaces.create(userId, request.body.name);
      await audit.record({ userId, workspaceId: workspace.id, keyId: null }, [
        {
          action: 'workspace.created',
          targetType: 'workspace',
          targetId: workspace.id,
          details: { name: workspace.name },
        },
      ]);
      return reply.code(201).send(workspace);
    },
  );

  app.get(
    '/workspace',
    {
      preParsing: authenticator.require('workspace:read'),
      schema: {
        tags: ['workspaces'],
        summary: 'The workspace this request acts in',
        security,
        response: { 200: refTo(WorkspaceSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => workspaces.get(accessOf(request).workspaceId, roleOf(request)),
  );

  app.patch(
    '/workspace',
    {
      preParsing: authenticator.require('workspace:update'),
      schema: {
        tags: ['workspaces'],
        summary: 'Rename the workspace (owner, admin)',
        security,
        body: Type.Object({ name: WorkspaceName }, { additionalProperties: false }),
        response: { 200: refTo(WorkspaceSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => {
      const access = accessOf(request);
      const workspace = await workspaces.rename(access.workspaceId, roleOf(request), request.body.name);
      await audit.record(access, [
        {
          action: 'workspace.renamed',
          targetType: 'workspace',
          targetId: workspace.id,
          details: { name: workspace.name },
        },
      ]);
      return workspace;
    },
  );

  app.delete(
    '/workspace',
    {
      preParsing: authenticator.require('workspace:delete'),
      schema: {
        tags: ['workspaces'],
        summary: 'Delete the workspace with its links, campaigns and keys (owner; not the personal one)',
        security,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request, reply) => {
      await workspaces.remove(accessOf(request).workspaceId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/workspace/members',
    {
      preParsing: authenticator.require('members:read'),
      schema: {
        tags: ['workspaces'],
        summary: 'List the members of the workspace and their roles',
        security,
        response: {
          200: Type.Object({ items: Type.Array(refTo(MemberSchema)) }),
          ...problems(...AUTHED, 'not_found'),
        },
      },
    },
    async (request) => ({ items: await workspaces.members(accessOf(request).workspaceId) }),
  );

  app.patch(
    '/workspace/members/:userId',
    {
      preParsing: authenticator.require('members:manage'),
      schema: {
        tags: ['workspaces'],
        summary: "Change a member's role (owner, admin; only an owner touches the owner role)",
        security,
        params: UserIdParams,
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: { 200: refTo(MemberSchema), ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request) => {
      const access = accessOf(request);
      const change = await workspaces.changeRole(access, request.params.userId, request.body.role);
      await audit.record(access, [
        {
          action: 'member.role_changed',
          targetType: 'member',
          targetId: request.params.userId,
          details: { from: change.from, to: change.to },
        },
      ]);
      const member = (await workspaces.members(access.workspaceId)).find(
        (m) => m.userId === request.params.userId,
      );
      if (!member) throw new Error('member vanished after the change');
      return member;
    },
  );

  app.delete(
    '/workspace/members/:userId',
    {
      preParsing: authenticator.require('members:manage'),
      schema: {
        tags: ['workspaces'],
        summary:
          'Remove a member; their sessions lose access to the workspace at once, and the API keys they created in it are revoked',
        security,
        params: UserIdParams,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      const change = await workspaces.removeMember(access, request.params.userId);
      await audit.record(access, [
        {
          action: 'member.removed',
          targetType: 'member',
          targetId: request.params.userId,
          details: { role: change.from, keysRevoked: change.keysRevoked },
        },
      ]);
      return reply.code(204).send(null);
    },
  );
}
