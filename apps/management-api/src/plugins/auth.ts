import type { ApiKeyScope } from '@boltlink/db/schema';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { ApiKeyService } from '../services/api-key-service.ts';
import { looksLikeApiKey } from '../services/secrets.ts';
import type { SessionStore } from '../services/session-store.ts';

/** Who calls, and the workspace the call acts in (an API key's own; a session's personal workspace). */
export type Principal =
  | { kind: 'session'; userId: string; workspaceId: string; tokenHash: string }
  | { kind: 'apiKey'; userId: string; workspaceId: string; keyId: string; scopes: readonly ApiKeyScope[] };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{16,512}) *$/i;

const unauthenticated = (detail: string, error?: 'invalid_token') =>
  new AppError('unauthenticated', detail, {
    'www-authenticate': error ? `Bearer realm="boltlink", error="${error}"` : 'Bearer realm="boltlink"',
  });

export interface Authenticator {
  /**
   * preParsing hook: resolves the principal from `Authorization: Bearer`, the only place credentials are
   * read (never a query parameter, which would end up in logs and browser history).
   * With a scope, an API key without it gets 403; a session has every scope.
   * preParsing, not onRequest: the per-IP rate limit (an onRequest hook) must count a request before
   * authentication can reject it, or guessing tokens would never be limited; the body is still only read
   * once the caller is known.
   */
  require(scope?: ApiKeyScope): (request: FastifyRequest) => Promise<void>;
}

export function createAuthenticator(
  app: FastifyInstance,
  deps: { sessions: SessionStore; apiKeys: ApiKeyService },
): Authenticator {
  app.decorateRequest('principal', null);

  async function resolve(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (header === undefined || header === '')
      throw unauthenticated('missing Authorization: Bearer credentials');
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) throw unauthenticated('malformed Authorization header', 'invalid_token');
    if (looksLikeApiKey(token)) {
      const key = await deps.apiKeys.authenticate(token);
      if (!key) throw unauthenticated('invalid or revoked API key', 'invalid_token');
      return { kind: 'apiKey', ...key };
    }
    const session = await deps.sessions.resolve(token);
    if (!session) throw unauthenticated('invalid or expired session', 'invalid_token');
    // A user's personal workspace carries the user's id (ADR 0014).
    return { kind: 'session', ...session, workspaceId: session.userId };
  }

  return {
    require(scope) {
      return async (request) => {
        const principal = await resolve(request);
        if (scope !== undefined && principal.kind === 'apiKey' && !principal.scopes.includes(scope)) {
          throw new AppError('forbidden', `this API key lacks the ${scope} scope`);
        }
        request.principal = principal;
      };
    },
  };
}

/** The authenticated principal; routes only call this behind `require()`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated('authentication required');
  return request.principal;
}
