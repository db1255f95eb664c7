import { Type } from '@sinclair/typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf, principalOf } from '../plugins/auth.ts';
import { AUTHED, NoContent, problems } from '../schemas/common.ts';
import { MemberSchema, Role, UserIdParams, WorkspaceName, WorkspaceSchema } from '../schemas/workspaces.ts';
import type { WorkspaceService } from '../services/workspace-service.ts';
import type { App } from '../types.ts';

/**
 * `/workspaces`: the caller's workspaces (a session's own business). `/workspace`: the workspace the request
 * acts in, named by the BoltLink-Workspace header like on every other route (the personal one without it).
 */
export function workspaceRoutes(
  app: App,
  deps: { workspaces: WorkspaceService; authenticator: Authenticator },
): void {
  const security = [{ bearerAuth: [] }];
  const { authenticator, workspaces } = deps;
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
          200: Type.Object({ items: Type.Array(Type.Ref(WorkspaceSchema)) }),
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
        response: { 201: Type.Ref(WorkspaceSchema), ...problems(...AUTHED) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await workspaces.create(principalOf(request).userId, request.body.name)),
  );

  app.get(
    '/workspace',
    {
      preParsing: authenticator.require('workspace:read'),
      schema: {
        tags: ['workspaces'],
        summary: 'The workspace this request acts in',
        security,
        response: { 200: Type.Ref(WorkspaceSchema), ...problems(...AUTHED, 'not_found') },
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
        response: { 200: Type.Ref(WorkspaceSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => workspaces.rename(accessOf(request).workspaceId, roleOf(request), request.body.name),
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
          200: Type.Object({ items: Type.Array(Type.Ref(MemberSchema)) }),
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
        response: { 200: Type.Ref(MemberSchema), ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request) => {
      const access = accessOf(request);
      await workspaces.changeRole(access, request.params.userId, request.body.role);
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
        summary: 'Remove a member; their sessions lose access to the workspace at once',
        security,
        params: UserIdParams,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request, reply) => {
      await workspaces.removeMember(accessOf(request), request.params.userId);
      return reply.code(204).send(null);
    },
  );
}
