import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { principalOf } from '../plugins/auth.ts';
import {
  AdminUserQuery,
  AdminUserSchema,
  CreateUserBody,
  InstanceAuditEventSchema,
  UpdateUserBody,
} from '../schemas/admin.ts';
import { AuditQuery } from '../schemas/audit.ts';
import { AUTHED, IdParams, problems, refTo } from '../schemas/common.ts';
import type { AuthService } from '../services/auth-service.ts';
import type { InstanceAudit, InstanceAuditEntry } from '../services/instance-audit.ts';
import type { InstanceUsers } from '../services/instance-users.ts';
import type { App } from '../types.ts';

const ADMIN_ONLY = {
  tags: ['admin'],
  security: [{ bearerAuth: [] }],
  description: 'Instance admins only, with a session (an API key is refused).',
};

/** The instance's users and its audit log, for instance admins (docs/administration.md). */
export function adminUserRoutes(
  app: App,
  deps: { auth: AuthService; users: InstanceUsers; audit: InstanceAudit; authenticator: Authenticator },
): void {
  const admin = deps.authenticator.require('instance:manage');

  app.get(
    '/admin/users',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'List the instance’s users by email, optionally searching it',
        querystring: AdminUserQuery,
        response: {
          200: Type.Object({
            items: Type.Array(refTo(AdminUserSchema)),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(...AUTHED),
        },
      },
    },
    async (request) => deps.users.list(request.query),
  );

  app.post(
    '/admin/users',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'Create an account (whatever REGISTRATION says); no session is opened for it',
        body: CreateUserBody,
        response: { 201: refTo(AdminUserSchema), ...problems(...AUTHED, 'conflict') },
      },
    },
    async (request, reply) => {
      const { email, password, isAdmin } = request.body;
      const created = await deps.auth.createByAdmin(email, password, isAdmin ?? false);
      await deps.audit.record(principalOf(request).userId, [
        {
          action: 'user.created',
          targetType: 'user',
          targetId: created.id,
          details: { isAdmin: created.isAdmin },
        },
      ]);
      return reply.code(201).send(await deps.users.get(created.id));
    },
  );

  app.get(
    '/admin/users/:id',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'One user',
        params: IdParams,
        response: { 200: refTo(AdminUserSchema), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => deps.users.get(request.params.id),
  );

  app.patch(
    '/admin/users/:id',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'Disable or re-enable a user, grant or revoke instance admin',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: refTo(AdminUserSchema), ...problems(...AUTHED, 'not_found', 'conflict') },
      },
    },
    async (request) => {
      const { user, changed } = await deps.users.update(request.params.id, request.body);
      const entries: InstanceAuditEntry[] = [];
      if (changed.disabled) {
        entries.push({
          action: user.disabledAt === null ? 'user.enabled' : 'user.disabled',
          targetType: 'user',
          targetId: user.id,
          details: { email: user.email },
        });
      }
      if (changed.isAdmin) {
        entries.push({
          action: user.isAdmin ? 'admin.granted' : 'admin.revoked',
          targetType: 'user',
          targetId: user.id,
          details: { email: user.email },
        });
      }
      await deps.audit.record(principalOf(request).userId, entries);
      return user;
    },
  );

  app.get(
    '/admin/audit-log',
    {
      preParsing: admin,
      schema: {
        ...ADMIN_ONLY,
        summary: 'What instance admins did, newest first',
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            items: Type.Array(refTo(InstanceAuditEventSchema)),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(...AUTHED),
        },
      },
    },
    async (request) => deps.audit.list(request.query),
  );
}
