import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { principalOf } from '../plugins/auth.ts';
import { problems } from '../schemas/common.ts';
import type { AuthService } from '../services/auth-service.ts';
import type { App } from '../types.ts';

export function meRoutes(app: App, deps: { auth: AuthService; authenticator: Authenticator }): void {
  app.get(
    '/me',
    {
      preParsing: deps.authenticator.require(),
      schema: {
        tags: ['auth'],
        summary: 'The account behind the credentials',
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Object({
            id: Type.String({ format: 'uuid' }),
            email: Type.String(),
            isAdmin: Type.Boolean({ description: 'An instance admin (may use /api/v1/admin)' }),
          }),
          ...problems('unauthenticated', 'rate_limited'),
        },
      },
    },
    async (request) => deps.auth.me(principalOf(request).userId),
  );
}
