import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { type Limit, perPrincipalLimit } from '../plugins/rate-limits.ts';
import { ApiKeySummary, Scope } from '../schemas/api-keys.ts';
import { AUTHED, IdParams, NoContent, problems } from '../schemas/common.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { App } from '../types.ts';

export function apiKeyRoutes(
  app: App,
  deps: { apiKeys: ApiKeyService; audit: AuditLog; authenticator: Authenticator; createLimit: Limit },
): void {
  app.post(
    '/api-keys',
    {
      preParsing: deps.authenticator.require('keys:manage'),
      preHandler: perPrincipalLimit(app, 'api-key-create', deps.createLimit),
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key (the key is shown once)',
        security: [{ bearerAuth: [] }],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
            scopes: Type.Optional(
              Type.Array(Scope, { minItems: 1, maxItems: 3, uniqueItems: true, description: 'Default: all' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Type.String({ format: 'uuid' }),
            name: Type.String(),
            prefix: Type.String(),
            scopes: Type.Array(Scope),
            key: Type.String({ description: 'The secret key; store it now, it is never shown again' }),
          }),
          ...problems(...AUTHED),
        },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      const created = await deps.apiKeys.create(access, request.body.name, request.body.scopes);
      await deps.audit.record(access, [
        {
          action: 'api_key.created',
          targetType: 'api_key',
          targetId: created.id,
          details: { name: created.name, prefix: created.prefix, scopes: created.scopes },
        },
      ]);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/api-keys',
    {
      preParsing: deps.authenticator.require('keys:manage'),
      schema: {
        tags: ['api-keys'],
        summary: 'List active API keys (never the keys themselves)',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.Object({ items: Type.Array(ApiKeySummary) }), ...problems(...AUTHED) },
      },
    },
    async (request) => ({ items: await deps.apiKeys.list(accessOf(request).workspaceId) }),
  );

  app.delete(
    '/api-keys/:id',
    {
      preParsing: deps.authenticator.require('keys:manage'),
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key; it stops working at once',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        response: { 204: NoContent, ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request, reply) => {
      const access = accessOf(request);
      await deps.apiKeys.revoke(access.workspaceId, request.params.id);
      await deps.audit.record(access, [
        { action: 'api_key.revoked', targetType: 'api_key', targetId: request.params.id },
      ]);
      return reply.code(204).send(null);
    },
  );
}
