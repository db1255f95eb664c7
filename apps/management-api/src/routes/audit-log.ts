import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { AuditEventSchema, AuditQuery } from '../schemas/audit.ts';
import { AUTHED, problems, refTo } from '../schemas/common.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { App } from '../types.ts';

export function auditLogRoutes(app: App, deps: { audit: AuditLog; authenticator: Authenticator }): void {
  app.get(
    '/workspace/audit-log',
    {
      preParsing: deps.authenticator.require('audit:read'),
      schema: {
        tags: ['workspaces'],
        summary: 'Who changed what in the workspace, newest first (owners and admins)',
        security: [{ bearerAuth: [] }],
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            items: Type.Array(refTo(AuditEventSchema)),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(...AUTHED, 'not_found'),
        },
      },
    },
    async (request) => deps.audit.list(accessOf(request).workspaceId, request.query),
  );
}
