import { Type } from '@sinclair/typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { principalOf } from '../plugins/auth.ts';
import { type Limit, perIpRouteLimit } from '../plugins/rate-limits.ts';
import { NoContent, problems } from '../schemas/common.ts';
import type { AuthService } from '../services/auth-service.ts';
import type { SessionStore } from '../services/session-store.ts';
import type { App } from '../types.ts';

const Credentials = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, description: 'Trimmed and lower-cased' }),
    // The upper bound keeps a multi-megabyte "password" from tying up argon2.
    password: Type.String({ minLength: 8, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export function authRoutes(
  app: App,
  deps: {
    auth: AuthService;
    sessions: SessionStore;
    authenticator: Authenticator;
    signup: Limit;
    login: Limit;
  },
): void {
  app.post(
    '/auth/signup',
    {
      config: perIpRouteLimit(deps.signup),
      schema: {
        tags: ['auth'],
        summary: 'Create an account and a session',
        body: Credentials,
        response: {
          201: Type.Object({
            user: Type.Object({ id: Type.String({ format: 'uuid' }), email: Type.String() }),
            token: Type.String({ description: 'Session token for Authorization: Bearer' }),
          }),
          ...problems('validation_failed', 'conflict', 'rate_limited'),
        },
      },
    },
    async (request, reply) => {
      const result = await deps.auth.signup(request.body.email, request.body.password);
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/auth/login',
    {
      config: perIpRouteLimit(deps.login),
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for a session token',
        body: Credentials,
        response: {
          200: Type.Object({ token: Type.String() }),
          ...problems('validation_failed', 'unauthenticated', 'rate_limited'),
        },
      },
    },
    async (request) => deps.auth.login(request.body.email, request.body.password, request.ip),
  );

  app.post(
    '/auth/logout',
    {
      preParsing: deps.authenticator.require(),
      schema: {
        tags: ['auth'],
        summary: 'Revoke the current session token',
        security: [{ bearerAuth: [] }],
        response: { 204: NoContent, ...problems('unauthenticated', 'rate_limited') },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      // An API key is revoked through DELETE /api-keys/:id; logout ends sessions only.
      if (principal.kind === 'session') await deps.sessions.revoke(principal.tokenHash);
      return reply.code(204).send(null);
    },
  );
}
